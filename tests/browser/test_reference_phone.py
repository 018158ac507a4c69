"""The reference pages on a phone (390 px): chart labels readable (≥ 12 px as drawn), tables that
scroll sideways with their first column kept in view instead of two characters a line."""


def test_budget_charts_and_tables_read_on_a_phone(server, phone):
    page = phone
    page.goto(server + "/reference/budgets")
    sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')]
        .filter(t => t.getBoundingClientRect().width > 0)
        .map(t => t.getBoundingClientRect().height)""")
    assert sizes and min(sizes) >= 12, min(sizes or [0])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
    region = page.locator(".table-scroll").first
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", region.element_handle())  # it scrolls
    cell = region.locator("tbody tr").first.locator(":scope > :first-child")
    before = cell.bounding_box()["x"]
    region.evaluate("(el) => el.scrollBy(200, 0)")
    assert abs(cell.bounding_box()["x"] - before) < 1  # the first column stays in view
    # Text columns get room for several characters a line (numbers are short by nature).
    widths = page.evaluate("""(el) => [...el.querySelectorAll('tbody td, tbody th')]
        .filter(c => c.textContent.trim().length > 8).map(c => c.getBoundingClientRect().width)""",
                           region.element_handle())
    assert widths and min(widths) >= 80, min(widths or [0])


def test_budget_charts_keep_their_desktop_drawing_on_a_desktop(server, desktop):
    page = desktop
    page.goto(server + "/reference/budgets")
    assert page.locator(".chart-wide").first.is_visible() and not page.locator(".chart-phone").first.is_visible()
