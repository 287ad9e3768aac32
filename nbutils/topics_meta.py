"""The list of topic pages: their ids (one notebook each, notebooks/<id>.ipynb) in reading order, and titles.

Plain constants with no imports, so the runner, the site index, the PDF builder and the topic helpers that link
pages can all share them without importing one another. Not the topic helpers themselves (nbutils/topics/).
"""

TOPIC_ORDER = ["overview", "ethnicity", "housing", "nutrition", "sudi", "smoking"]
TOPIC_TITLES = {
    "overview": "Overview",
    "ethnicity": "Ethnicity",
    "housing": "Housing",
    "nutrition": "Nutrition",
    "sudi": "Sudden unexpected death in infancy",
    "smoking": "Smoking",
}
