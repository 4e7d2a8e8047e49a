"""Hand-written news fixtures for tuning and testing topics and story merging (not the dev sets)."""

from __future__ import annotations

from typing import Final

# Pairs (and one triple) of articles about the same event, worded differently, as two outlets would.
SAME_EVENT: Final[list[list[tuple[str, str]]]] = [
    [
        (
            "Rail workers call off strike",
            "Rail workers called off next week's national strike after a late-night pay deal with train "
            "operators. The union said members would vote on the offer of a five percent raise. Commuters "
            "had feared a week of cancelled trains.",
        ),
        (
            "Train strike averted after pay deal",
            "A planned walkout by railway staff has been cancelled following overnight talks. Union leaders "
            "accepted a five per cent pay offer from the train companies, ending fears of a week without "
            "rail services for commuters.",
        ),
        (
            "Union suspends rail walkout",
            "The rail union suspended its strike on Tuesday after operators improved their pay offer to "
            "five percent. Train services will run normally next week while members vote on the deal.",
        ),
    ],
    [
        (
            "Earthquake strikes off Japan coast",
            "A magnitude 6.8 earthquake struck off the northeast coast of Japan on Monday, shaking buildings "
            "in Sendai. The meteorological agency issued a brief tsunami advisory. No deaths were reported.",
        ),
        (
            "Strong quake shakes northeastern Japan",
            "Buildings swayed in Sendai when a 6.8-magnitude quake hit offshore on Monday. Japanese "
            "authorities briefly warned of a tsunami but later lifted the advisory; there were no reports "
            "of fatalities.",
        ),
    ],
    [
        (
            "Central bank raises interest rates",
            "The central bank raised its main interest rate by a quarter point to 4.5 percent on Thursday, "
            "citing stubborn inflation. The governor said further increases could not be ruled out.",
        ),
        (
            "Rates go up again as inflation lingers",
            "Borrowing costs rose on Thursday after the central bank lifted its benchmark rate 0.25 points "
            "to 4.5%. Its governor warned that inflation remained too high and more hikes were possible.",
        ),
    ],
    [
        (
            "Astronauts return after six months in orbit",
            "Four astronauts landed safely in the Pacific Ocean on Sunday after six months aboard the "
            "International Space Station. Their capsule splashed down off the coast of California.",
        ),
        (
            "ISS crew splashes down off California",
            "A capsule carrying four crew members from the International Space Station splashed down in the "
            "Pacific on Sunday, ending a half-year mission in orbit.",
        ),
    ],
]

# Different events on related subjects: must NOT be merged with each other or with the ones above.
DIFFERENT_EVENTS: Final[list[tuple[str, str]]] = [
    (
        "Bus drivers announce strike",
        "Bus drivers in the capital will strike for two days next month over working hours, their union "
        "said. The city transport authority urged passengers to plan other journeys.",
    ),
    (
        "Airline pilots vote on pay offer",
        "Pilots at the national airline began voting on a new pay offer on Wednesday. The result of the "
        "ballot is expected at the end of the month.",
    ),
    (
        "Volcano erupts in Iceland",
        "A volcano on Iceland's Reykjanes peninsula erupted overnight, sending lava fountains into the "
        "sky. Authorities evacuated a nearby fishing town as a precaution.",
    ),
    (
        "Mortgage lenders cut fixed rates",
        "Several large mortgage lenders cut the price of their fixed-rate home loans this week, as "
        "competition for borrowers intensified in a slow housing market.",
    ),
    (
        "New telescope sends first images",
        "A new space telescope sent back its first images of distant galaxies on Friday, delighting "
        "astronomers who had waited two decades for the mission.",
    ),
    (
        "Council approves city budget",
        "The city council approved a new budget on Tuesday after months of debate. The plan raises "
        "spending on public transport by twelve percent.",
    ),
]

# Topic cases: (topic, article that must match it by meaning although the words differ).
TOPIC_MATCHES: Final[list[tuple[str, tuple[str, str]]]] = [
    (
        "EU",
        (
            "Brussels agrees new budget",
            "Leaders of the European Union agreed in Brussels on a new seven-year budget for the bloc. "
            "Member states will contribute more to common defence.",
        ),
    ),
    (
        "European Union",
        (
            "EU fines tech giant",
            "The EU's competition regulator fined a large technology company 1.2 billion euros for abusing "
            "its dominant position in online advertising.",
        ),
    ),
    (
        "football",
        (
            "United win the derby",
            "Manchester United beat City 2-1 at Old Trafford on Sunday with a late goal from their captain, "
            "moving up to third in the Premier League.",
        ),
    ),
    (
        "artificial intelligence",
        (
            "Tech firm unveils chatbot",
            "A technology company released a new AI language model that can write code and answer "
            "questions, saying machine learning would change office work.",
        ),
    ),
]
