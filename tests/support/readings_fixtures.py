"""Readings written for the tests: a news page full of site furniture, a 3-page PDF, a text
file (the import tests), and a one-reading corpus (the robustness tests)."""

from __future__ import annotations

from pathlib import Path

from qa.readings.pdftext import join_lines
from tests.support.pdf_helpers import make_pdf, wrap_paragraphs

NEWS_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Glaciers of the Andes Are Retreating Faster | The Valley Courier</title>
<meta property="og:title" content="Glaciers of the Andes Are Retreating Faster">
<meta name="author" content="Marta Quispe">
<meta property="og:site_name" content="The Valley Courier">
<meta property="article:published_time" content="2024-03-12T08:00:00Z">
<link rel="canonical" href="https://courier.example/science/andes-glaciers">
<script>window.dataLayer = []; function track(){ console.log("tracking pixel loaded"); }</script>
<style>.menu { color: #c00 }</style>
</head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept \
all cookies or manage preferences.</div>
<header>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World news</a></li><li><a \
href="/sport">Sport scores</a></li><li><a href="/opinion">Opinion columns</a></li></ul></nav>
</header>
<main>
<article>
<h1>Glaciers of the Andes Are Retreating Faster</h1>
<p class="byline">By Marta Quispe, 12 March 2024</p>
<p>The Quelccaya ice cap in southern Peru lost a fifth of its area between 1980 and 2020, \
according to a survey published by the Andean Ice Institute on Tuesday. The researchers compared \
satellite images taken every five years over four decades.</p>
<p>Meltwater from the ice cap feeds the rivers that irrigate farms in the Vilcanota valley, where \
about 300,000 people depend on the summer flow for their crops and their drinking water.</p>
<h2>Why the ice is thinning</h2>
<p>The institute attributes most of the loss to warmer nights at high altitude: the freezing \
level has risen by roughly 150 metres since the 1980s, so snow that once settled on the ice cap \
now falls as rain.</p>
<p>Dust from nearby mining roads also darkens the surface of the ice, which then absorbs more \
sunlight and melts sooner in the dry season.</p>
<h2>What the valley can do</h2>
<p>Local water boards have started building small reservoirs called qochas, an Inca-era technique \
that stores rainwater in highland ponds and releases it slowly through the soil.</p>
<p>The survey recommends monitoring stations on every glacier larger than one square kilometre, \
and a regional fund to pay for them.</p>
</article>
<aside class="related"><h3>Related stories</h3><ul><li><a href="/a">Ski resorts close early as \
snow fails</a></li><li><a href="/b">Ten photos of melting mountains you must \
see</a></li></ul></aside>
</main>
<footer>
<div class="newsletter"><h3>Sign up for our newsletter</h3><p>Get the morning briefing delivered \
to your inbox every weekday.</p><form><input type="email"><button>Subscribe</button></form></div>
<p>Copyright 2024 The Valley Courier. All rights reserved. Terms of service. Privacy policy.</p>
</footer>
<script>track();</script>
</body>
</html>
"""

NEWS_TITLE = "Glaciers of the Andes Are Retreating Faster"
NEWS_FACT = "Local water boards have started building small reservoirs called qochas"

# Words that only the page's menus, banner, related links, footer and scripts contain.
FURNITURE = (
    "cookies",
    "manage preferences",
    "World news",
    "Sport scores",
    "Opinion columns",
    "Related stories",
    "Ski resorts",
    "photos of melting",
    "newsletter",
    "morning briefing",
    "Subscribe",
    "All rights reserved",
    "Privacy policy",
    "tracking",
    "dataLayer",
    "color: #c00",
)

PDF_TITLE = "Field Notes on River Deltas"
PDF_PAGE1 = [
    "This reading collects observations from three seasons of fieldwork on river deltas and "
    "introduces the words used in the course.",
    "Deltas form where a river slows down on entering a standing body of water and drops the "
    "sediment it carries.",
]
PDF_PAGE2 = [
    "The Mekong delta received roughly 160 million tonnes of sediment a year before the "
    "upstream dams were completed, and the survey team measured less than half of that in "
    "2019.",
    "Subsidence from groundwater pumping adds to the loss of elevation in the lower delta.",
]
PDF_PAGE3 = [
    "A mangrove belt three hundred metres wide reduced the height of storm waves by about two "
    "thirds at the Ca Mau monitoring site.",
    "The course returns to these sites in week nine.",
]
RUNNING_HEADER = "Delta Studies Reader - Spring term"


def river_pdf() -> bytes:
    """3 pages with a running header and page-number footers; the facts sit on pages 2 and 3.

    Page 2's first paragraph has a word hyphenated across two lines.
    """
    page2 = [  # as typeset: 'be-' / 'fore' is one word split at the line's end
        "The Mekong delta received roughly 160 million tonnes of sediment a year be-",
        "fore the upstream dams were completed, and the survey team measured less than",
        "half of that in 2019.",
        *wrap_paragraphs(PDF_PAGE2[1:]),
    ]
    assert join_lines(page2[:3]) == PDF_PAGE2[0]
    return make_pdf(
        [
            [RUNNING_HEADER, PDF_TITLE, *wrap_paragraphs(PDF_PAGE1), "1"],
            [RUNNING_HEADER, "Sediment budgets", *page2, "2"],
            [RUNNING_HEADER, "Mangrove belts", *wrap_paragraphs(PDF_PAGE3), "3"],
        ],
        title=PDF_TITLE,
    )


NOTES_TEXT = """Week 3 notes on watershed management

Terraces on steep slopes slow runoff and keep soil on the fields; the course visits the Moray \
terraces in week five.

Students should bring boots and a rain jacket.
"""


# A one-reading corpus for the robustness tests of the command line and the app.
BEES = (
    "# Bees\n\n## Hives\n\nBees make honey from nectar in the hive. A hive holds one queen "
    "and many workers.\n"
)
HONEY = "What do bees make honey from?"  # answered by BEES


def one_reading_corpus(folder: Path, name: str, text: str) -> Path:
    """`folder` made a corpus holding one reading, `name` (e.g. "bees.md") with `text`."""
    folder.mkdir(parents=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def bees_corpus(folder: Path) -> Path:
    """`folder` made a corpus holding the one reading BEES (bees.md)."""
    return one_reading_corpus(folder, "bees.md", BEES)
