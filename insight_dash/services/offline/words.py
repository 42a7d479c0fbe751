"""Words: how a question (and every table, column and value name) is cut into tokens, and the
vocabulary the planner knows. A word the vocabulary does not know and no name of the data
matches is a word the engine did not understand."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Words that carry no meaning of their own in a question about a table. Deliberately short:
# anything that could change the answer (not, next, why, should, only-if...) is absent, so a
# question using it is declined rather than half read.
STOP_WORDS = frozenset("""
a an the of is are was were be been being what whats how do does did have has had there here please me us i we
you my our your their its it this that these those show give tell find get display calculate compute return
can could would to for in on at with within across from all overall value values data dataset table sheet file
recorded listed given whole entire currently so far also just only then much as single individual
stayed stay stays remained remain remains
""".split())
# "and" joins things ("between 10 and 20", "temperature and pressure"); it is spent where used
# and is otherwise harmless.
JOINERS = frozenset({"and", "or", ",", "but"})
# Words that join a condition to the question ("... when the status is warning"); at the start
# of a question they ask something else ("When was ...?") and are not understood.
CONNECTORS = frozenset({"when", "where", "whose", "while", "during", "that", "whom"})
YES_NO_STARTS = frozenset({"is", "are", "was", "were", "does", "do", "did", "has", "have", "can"})
UNIT_WORDS = frozenset({"c", "f", "k", "kpa", "psi", "pa", "bar", "usd", "eur", "gbp", "pct", "kw", "mw", "gw", "kwh",
                        "mwh", "gwh", "rpm", "hz", "v", "kv", "a", "m3", "m3h", "m", "km", "kg", "t", "s", "h", "min",
                        "degc", "degf", "btu", "kwh", "%", "in", "ft", "lb", "lbs"})
ROW_NOUNS = frozenset({"row", "record", "entry", "reading", "line", "item", "observation", "sample", "measurement",
                       "transaction", "event", "case", "people", "person"})
COLUMN_NOUNS = frozenset({"column", "field", "variable"})

AGGREGATES = {  # word -> (SQL function, verb for the explanation, label)
    "total": ("sum", "Summed", "total"), "sum": ("sum", "Summed", "total"), "combined": ("sum", "Summed", "total"),
    "average": ("avg", "Averaged", "average"), "mean": ("avg", "Averaged", "average"),
    "avg": ("avg", "Averaged", "average"), "median": ("median", "Took the median of", "median"),
    "minimum": ("min", "Took the minimum of", "minimum"), "min": ("min", "Took the minimum of", "minimum"),
    "maximum": ("max", "Took the maximum of", "maximum"), "max": ("max", "Took the maximum of", "maximum"),
    "std": ("stddev_samp", "Took the standard deviation of", "standard deviation"),
    "stdev": ("stddev_samp", "Took the standard deviation of", "standard deviation"),
}
HIGH = frozenset({"highest", "largest", "biggest", "greatest", "most", "top", "max", "maximum", "peak", "best", "hottest",
                  "tallest", "oldest", "heaviest", "longest", "priciest"})
LOW = frozenset({"lowest", "smallest", "least", "fewest", "bottom", "min", "minimum", "worst", "coldest", "shortest",
                 "youngest", "lightest", "cheapest"})
# Adjectives that name a measure by what it measures ("the oldest passenger" -> Age).
MEASURE_ADJECTIVES = {
    "old": "age", "older": "age", "oldest": "age", "young": "age", "younger": "age", "youngest": "age",
    "tall": "height", "taller": "height", "tallest": "height", "short": "height", "shorter": "height",
    "shortest": "height", "heavy": "weight", "heavier": "weight", "heaviest": "weight", "light": "weight",
    "lighter": "weight", "lightest": "weight", "hot": "temperature", "hotter": "temperature",
    "hottest": "temperature", "cold": "temperature", "colder": "temperature", "coldest": "temperature",
    "expensive": "price", "pricier": "price", "priciest": "price", "cheap": "price", "cheaper": "price",
    "cheapest": "price", "long": "length", "longer": "length", "longest": "length",
}
# Verbs that name a measure by what it counts ("how much did East produce" -> output).
MEASURE_VERBS = {"produce": "output", "produced": "output", "produces": "output", "generate": "output",
                 "generated": "output", "generates": "output", "earn": "revenue", "earned": "revenue",
                 "sold": "sale", "sell": "sale"}
# Words people use for a category value ("women" for Sex = female).
VALUE_WORDS = {"women": "female", "woman": "female", "ladies": "female", "lady": "female", "men": "male",
               "man": "male", "gentlemen": "male"}
COMPARATIVES = {"older": ">", "younger": "<", "taller": ">", "shorter": "<", "heavier": ">", "lighter": "<",
                "hotter": ">", "colder": "<", "pricier": ">", "cheaper": "<", "longer": ">"}
# Comparison phrases, longest first; each is followed by a number or a column.
COMPARISONS = [
    (("greater", "than", "or", "equal", "to"), ">="), (("less", "than", "or", "equal", "to"), "<="),
    (("at", "least"), ">="), (("at", "most"), "<="), (("no", "more", "than"), "<="), (("no", "less", "than"), ">="),
    (("more", "than"), ">"), (("greater", "than"), ">"), (("higher", "than"), ">"), (("larger", "than"), ">"),
    (("bigger", "than"), ">"), (("less", "than"), "<"), (("lower", "than"), "<"), (("smaller", "than"), "<"),
    (("fewer", "than"), "<"), (("equal", "to"), "="), (("above",), ">"), (("over",), ">"), (("exceeds",), ">"),
    (("exceed",), ">"), (("exceeding",), ">"), (("below",), "<"), (("under",), "<"), (("beneath",), "<"),
    ((">=",), ">="), (("<=",), "<="), ((">",), ">"), (("<",), "<"), (("=",), "="), (("==",), "="),
    (("!=",), "!="), (("<>",), "!="), (("equals",), "="),
]
# After the number: "70 or more", "5,000 and above".
OR_MORE = [(("or", "more"), ">="), (("or", "above"), ">="), (("or", "higher"), ">="), (("or", "greater"), ">="),
           (("and", "above"), ">="), (("and", "over"), ">="), (("or", "less"), "<="), (("or", "fewer"), "<="),
           (("or", "below"), "<="), (("or", "lower"), "<="), (("and", "below"), "<="), (("and", "under"), "<=")]
# Verbs of movement before a comparison: "did output ever dip below 10".
MOTION_VERBS = frozenset({"dip", "dipped", "drop", "dropped", "fall", "fell", "fallen", "go", "went", "rise", "rose",
                          "risen", "climb", "climbed", "hit", "hits", "reach", "reached",
                          "reaches"})
NEGATIONS = [("other", "than"), ("not", "counting"), ("apart", "from"), ("except", "for"), ("not",), ("no",),
             ("except",), ("excluding",), ("exclude",), ("without",), ("ignoring",), ("outside",),
             ("isn't",), ("aren't",), ("wasn't",), ("weren't",), ("didn't",), ("doesn't",), ("don't",), ("besides",)]
MISSING_WORDS = frozenset({"missing", "null", "empty", "blank", "nan", "na", "unknown", "absent"})
MODE_PHRASES = [("most", "common"), ("most", "frequent"), ("most", "often"), ("most", "popular"), ("commonest",),
                ("mode",), ("most", "usual")]
SHARE_WORDS = frozenset({"share", "percentage", "percent", "proportion", "fraction", "%", "pie"})
CORRELATION_WORDS = frozenset({"correlation", "correlate", "correlated", "relationship", "relate", "related"})
DISTRIBUTION_WORDS = frozenset({"distribution", "histogram", "spread", "distributed"})
TREND_WORDS = frozenset({"trend", "trending", "timeline", "evolution", "change", "changes", "changed", "evolve",
                         "evolves"})
CHART_WORDS = frozenset({"plot", "chart", "graph", "visualize", "visualise", "draw", "visualization", "bar"})
COUNT_WORDS = frozenset({"count", "number", "many"})
DISTINCT_WORDS = frozenset({"different", "distinct", "unique"})
ANY_WORDS = frozenset({"any", "anyone", "anybody", "anything", "ever"})
LIST_WORDS = frozenset({"list", "name", "enumerate"})
GROUP_MARKERS = frozenset({"by", "per", "each", "every", "across"})
COMPARE_WORDS = frozenset({"versus", "vs", "compare", "compared", "against"})
# "daily" names a period on its own; "day" only after "per", "by" or "each" ("how many hours"
# asks for a count, not a trend).
PERIOD_ADJECTIVES = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
                     "yearly": "year", "annual": "year", "annually": "year"}
PERIOD_NOUNS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
PERIODS = {**PERIOD_ADJECTIVES, **PERIOD_NOUNS}
MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}
# Words that mean the same thing in a question and in a column name.
EQUIVALENT = [
    {"temp", "temperature"}, {"qty", "quantity"}, {"amt", "amount"}, {"dept", "department"},
    {"revenue", "sale"}, {"pct", "percent", "percentage", "%"}, {"no", "number", "num", "#"},
    {"date", "timestamp", "datetime", "time"}, {"actual", "actuals"}, {"expense", "expenditure"},
    {"id", "identifier"}, {"avg", "average", "mean"},
]
SAME = {word: frozenset(group) for group in EQUIVALENT for word in group}
# "What was spent on travel": the verb names the money column, whichever it is.
SPEND_VERBS = frozenset({"spend", "spent", "spending"})
MONEY_WORDS = frozenset({"actual", "actuals", "amount", "cost", "expense", "expenditure", "spend", "spending"})
# Measures that add up (a total makes sense); others (temperatures, rates, prices) do not.
ADDITIVE_WORDS = frozenset({"amount", "cost", "spend", "spent", "actual", "budget", "revenue", "sales", "total",
                            "quantity", "qty", "count", "mwh", "kwh", "gwh", "energy", "output", "volume", "hours",
                            "fare", "expense", "expenditure", "value", "paid", "sum", "survived", "overspend",
                            "variance", "difference"})
# Budget-versus-actual pairs: "variance", "overspend", "over budget".
PLAN_WORDS = frozenset({"budget", "plan", "planned", "target", "forecast"})
ACTUAL_WORDS = frozenset({"actual", "actuals", "spend", "spent"})


@dataclass(frozen=True)
class Token:
    text: str  # as typed
    lower: str  # lower case
    word: str  # lower case, plural folded: what names are matched on
    number: float | None = None
    quoted: str = ""  # the whole name in quotes this token is part of


_TOKEN = re.compile(r'"[^"]+"|`[^`]+`|“[^”]+”|-?\d[\d,]*(?:\.\d+)?|>=|<=|!=|<>|==|[<>=%#/+*]|'
                    r"[^\W_]+(?:'[a-z]+)?|[^\w\s.,;:!?()\[\]{}\"'`“”‘’$€£¥°-]|-")


def tokens_of(text: str) -> list[Token]:
    """The question's tokens: words (camelCase split, underscores as spaces), numbers,
    comparison signs, and names in quotes kept whole."""
    result: list[Token] = []
    for piece in _TOKEN.findall(_spaced(text)):
        if piece[0] in "\"`“":
            name = piece[1:-1].strip()
            result.extend(Token(t.text, t.lower, t.word, t.number, quoted=name) for t in tokens_of(name))
        elif piece.endswith("'s"):
            result.append(_word(piece[:-2]))
        else:
            result.append(_word(piece))
    return result


def words_of(text: str) -> list[str]:
    return [token.word for token in tokens_of(text)]


def same_word(question: str, name: str) -> bool:
    """Does a word of the question match a word of a column's name?"""
    return question == name or name in SAME.get(question, ()) or (question in SPEND_VERBS and name in MONEY_WORDS)


def fold(word: str) -> str:
    """Plural to singular, for matching ("readings" -> "reading", "categories" -> "category")."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith(("sses", "uses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word(piece: str) -> Token:
    lowered = piece.lower()
    if re.fullmatch(r"-?\d[\d,]*(?:\.\d+)?", piece):
        digits = piece.replace(",", "")
        return Token(piece, lowered, lowered, float(digits))
    return Token(piece, lowered, fold(lowered))


def _spaced(text: str) -> str:
    text = text.replace("_", " ").replace("’", "'")
    text = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", " ", text)  # "actual-to-budget", "third-class": a hyphen, not minus
    return re.sub(r"[^\W_]+", _camel_split, text)


def _camel_split(match: re.Match) -> str:
    """"PassengerId" -> "Passenger Id", "HTTPStatus" -> "HTTP Status"; units stay whole (MWh)."""
    word = match.group(0)
    if word.lower() in UNIT_WORDS:
        return word
    word = re.sub(r"([a-z])([A-Z])", r"\1 \2", word)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", word)
