"""What a citizen met, made right: Back after 完了 shows a page of ours again (the completion page, or the
確認 page), never a browser error, nothing sent twice; a vote without a ward is answered where it was cast."""

from tests.browser.test_citizen import RECEIPT


def _comment_to_done(page, server):
    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/roles/comment")
    page.get_by_label("お住まいの区（または関わりのある区）").select_option("chuo")
    page.get_by_label("区との関わり").select_option("resident")
    page.get_by_role("textbox", name="ご意見").fill("戻るボタンを押しても二重に送られないことを確かめます。")
    page.get_by_label("個人情報の取扱いに同意します").check()
    page.get_by_role("button", name="確認画面へ進む").click()
    page.wait_for_selector("text=送信内容の確認")
    page.get_by_role("button", name="送信する").click()
    page.wait_for_selector("#receipt-no")
    return page.inner_text("#receipt-no")


def test_back_after_done_shows_our_page_and_sends_nothing_twice(server, phone, database_url):
    from sqlalchemy import create_engine, func, select

    from consult.participation.models import Comment

    page = phone
    receipt = _comment_to_done(page, server)
    assert RECEIPT.fullmatch(receipt)
    errors = []
    page.on("requestfailed", lambda request: errors.append(request.failure))
    response = page.go_back()
    page.wait_for_load_state()
    assert errors == [] and (response is None or response.status < 400)
    assert "ERR_" not in page.content() and page.locator("h1").count() == 1
    title = page.locator("h1").inner_text()
    assert title in ("送信内容の確認", "送信が完了しました"), title
    page.go_forward()
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1 and "ERR_" not in page.content()
    url = database_url if not database_url.startswith("postgresql://") else \
        database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Comment.__table__)
                         .where(Comment.__table__.c.body == "戻るボタンを押しても二重に送られないことを確かめます。")).scalar()
    engine.dispose()
    assert n == 1


def test_a_vote_without_a_ward_is_answered_where_it_was_cast(server, phone):
    page = phone
    page.goto(server + "/c/kumamoto-ward-offices-h26/topics/roles#proposal-ward-head-authority")
    form = page.locator("#proposal-ward-head-authority form")
    form.get_by_label("反対").check()
    with page.expect_navigation():
        form.get_by_role("button", name="賛否を送る").click()
    summary = page.locator("#proposal-ward-head-authority .error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.evaluate("document.activeElement.closest('article').id") == "proposal-ward-head-authority"
    box = summary.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # on screen, not far below
    form = page.locator("#proposal-ward-head-authority form")
    assert form.get_by_label("反対").is_checked()
    form.get_by_label("お住まいの区（または関わりのある区）").select_option("kita")
    form.get_by_label("区との関わり").select_option("resident")
    with page.expect_navigation():
        form.get_by_role("button", name="賛否を送る").click()
    assert "「反対」で受け付けました" in page.content()
