"""Words the moderation queue flags as possibly abusive.

A flag is a prompt for a person, never an automatic decision: a flagged comment is shown with the
word marked, and the moderator decides. The list is deliberately short and unambiguous — words
that are insults or threats in almost any sentence. Words with everyday meanings are left out on
purpose (ゴミ — rubbish collection; カス — カスタム; ボケ — ピンボケ; クソ — クソ暑い is common
speech), and so are short kana spellings that hide inside ordinary words (ばか in ばかり, しね in 少しね,
ころす in ところすごく, shit in shitamachi), as they would flag ordinary opinions.

Matching is on the NFKC, case-folded text (search_key), so full-width and half-width forms
(ﾊﾞｶ, ＢＡＫＡ) match too. Write each entry in the form NFKC gives: katakana full-width,
latin lower-case. Hiragana and katakana spellings are listed separately where both are used.

To change the list, edit ABUSIVE_WORDS below and keep the tests in tests/secretariat green.
"""

ABUSIVE_WORDS: tuple[str, ...] = (
    # insults
    "馬鹿", "バカ", "阿呆", "アホ", "あほ", "間抜け", "マヌケ", "無能", "低能", "クズ",
    "税金泥棒", "給料泥棒", "役立たず", "キモい", "きもい", "ガイジ", "売国奴",
    # threats and incitement
    "死ね", "氏ね", "殺す", "消えろ", "ぶっ殺",
    # latin-script insults seen in Japanese posts
    "baka", "fuck",
)
