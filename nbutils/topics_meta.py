"""The topics of a pack, in reading order, with their titles."""

TOPIC_ORDER = ["overview", "ethnicity", "housing", "nutrition", "sudi", "smoking"]
TOPIC_TITLES = {
    "overview": "Overview",
    "ethnicity": "Ethnicity",
    "housing": "Housing",
    "nutrition": "Nutrition",
    "sudi": "Sudden unexpected death in infancy",
    "smoking": "Smoking",
}
