"""The review's figures. Each one is a single GROUP BY in SQL under a ``ReviewFilter``; Python
only arranges the few aggregated rows into tables (never loops over comments or votes).

Who counts as a participant: a person (pseudonymous participant id) with at least one comment or
vote matching the filter. Paper notes typed in without a participant count as comments, not as
participants; the totals say how many there are. A participant's ward, relation and age band are
those of their profile (what they told us last).

The figures are in three modules: ``counts`` (what every figure is made of), ``tables`` (the
dashboard's) and ``review`` (the review document's and the workbook's); callers use
``stats.<name>`` for the names below.
"""

from .counts import Profiles, Share, Totals, filtered_topics, heat_level, profiles, shown_channels, totals, wilson
from .review import (GroupCount, Quote, WardChannel, WorkshopRow, group_counts, proposed_group_counts, quotes,
                     ungrouped_counts, ward_channel_by_topic, workshop_rows)
from .tables import (Breakdown, Day, Matrix, MatrixRow, ProposalResult, RepRow, Representativeness, VoteRow,
                     age_bands, over_time, proposals_by_ward, relations, representativeness, topic_ward_matrix)

__all__ = ["Breakdown", "Day", "GroupCount", "Matrix", "MatrixRow", "Profiles", "ProposalResult", "Quote", "RepRow",
           "Representativeness", "Share", "Totals", "VoteRow", "WardChannel", "WorkshopRow", "age_bands", "filtered_topics",
           "group_counts", "heat_level", "over_time", "profiles", "proposals_by_ward", "proposed_group_counts",
           "quotes", "relations", "representativeness", "shown_channels", "topic_ward_matrix", "totals",
           "ungrouped_counts",
           "ward_channel_by_topic", "wilson", "workshop_rows"]
