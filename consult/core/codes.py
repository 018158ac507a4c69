"""The codes stored for what citizens tell us (checked by the tables' constraints); their
translated labels are in ``labels``."""

# Where a participant stands to a ward, after the ordinance's definition of 区民.
RELATIONS = ("resident", "commuter", "business", "other")
AGE_BANDS = ("under20", "20s", "30s", "40s", "50s", "60s", "70plus")
# Besides the five wards' codes, a participant may live outside the city or not say.
WARD_OUTSIDE = "outside"
WARD_UNDISCLOSED = "undisclosed"
CHANNELS = ("web", "workshop", "paper")
# One bit per channel, for Participant.vote_channels.
CHANNEL_BITS = {"web": 1, "workshop": 2, "paper": 4}
STATUSES = ("pending", "published", "hidden")
VOTE_VALUES = ("agree", "disagree", "pass")
# 受付番号 characters: Crockford's base 32, without I, L, O, U to misread.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
