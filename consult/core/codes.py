"""The codes stored for what citizens tell us (checked by the tables' constraints); their
translated labels are in ``labels``."""

# Where a participant stands to a ward, after the ordinance's definition of 区民.
RELATIONS = ("resident", "commuter", "business", "other")
AGE_BANDS = ("under20", "20s", "30s", "40s", "50s", "60s", "70plus")
# Besides the five wards' codes, a participant may live outside the city or not say.
WARD_OUTSIDE = "outside"
WARD_UNDISCLOSED = "undisclosed"
# web, the live workshop (phones) and its paper notes; then the public comment's ways in:
# 地域説明会 (typed in by staff), and post, FAX, e-mail and the counter (窓口), entered with a register entry;
# last, what another tool collected (a kouchou-ai / Talk to the City CSV, a Polis export: `flask analysis
# import-…`), which only an import writes.
IMPORTED = "imported"
CHANNELS = ("web", "workshop", "paper", "briefing", "post", "fax", "email", "counter", IMPORTED)
# The channels each kind of consultation takes, in the order tables print them. No kind takes
# IMPORTED: nobody enters it; a consultation's tables show it when it holds imported comments.
CHANNELS_BY_KIND = {"deliberation": ("web", "workshop", "paper"),
                    "pubcom": ("web", "briefing", "post", "fax", "email", "counter")}
# Channels staff enter from a 受付台帳 entry (name and address kept aside, never published).
REGISTER_CHANNELS = ("post", "fax", "email", "counter")
# One bit per channel, for Participant.vote_channels.
CHANNEL_BITS = {"web": 1, "workshop": 2, "paper": 4, "briefing": 8, "post": 16, "fax": 32, "email": 64,
                "counter": 128, IMPORTED: 256}
STATUSES = ("pending", "published", "hidden")
VOTE_VALUES = ("agree", "disagree", "pass")
# 受付番号 characters: Crockford's base 32, without I, L, O, U to misread.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Kinds of consultation: topics with sections and proposals (the workshops' interim summary), or a
# public comment (意見公募) on a document of numbered provisions.
KINDS = ("deliberation", "pubcom")
