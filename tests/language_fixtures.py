"""News paragraphs in the shipped languages, written for the tests, with their correct sentences.

Each paragraph carries what trips sentence splitters in its language: abbreviations ("т. е.", "проф.",
"вул.", "z. B.", "u. a.", "Sr.", "Dra.", "EE. UU."), initials, quotes («…», „…“, “…”), Cyrillic, decimal
commas and points, question and exclamation marks inside quotes.
"""

from __future__ import annotations

from typing import Final

# language -> [(paragraph, its sentences in order)]
PARAGRAPHS: Final[dict[str, list[tuple[str, list[str]]]]] = {
    "en": [
        (
            "Dr. Jane Smith, who advises the U.S. Treasury, said inflation fell to 3.2 per cent in May. "
            '"We are not there yet," she told reporters. "Rates will stay high." The report, by J. R. '
            "Hartley, was welcomed by Mr. Powell. Markets rose 1.5% on Tuesday.",
            [
                "Dr. Jane Smith, who advises the U.S. Treasury, said inflation fell to 3.2 per cent in May.",
                '"We are not there yet," she told reporters.',
                '"Rates will stay high."',
                "The report, by J. R. Hartley, was welcomed by Mr. Powell.",
                "Markets rose 1.5% on Tuesday.",
            ],
        ),
    ],
    "ru": [
        (
            "Президент Беларуси А. Г. Лукашенко провёл встречу с делегацией из Москвы. По его словам, "
            "товарооборот вырос на 12,5 % за год, т. е. почти до 50 млрд долларов. «Мы готовы расширять "
            "сотрудничество», — заявил он. «Но условия должны быть честными». Встреча прошла в г. Минске, "
            "в т. ч. обсуждались поставки газа. Следующий раунд переговоров намечен на 15 мая.",
            [
                "Президент Беларуси А. Г. Лукашенко провёл встречу с делегацией из Москвы.",
                "По его словам, товарооборот вырос на 12,5 % за год, т. е. почти до 50 млрд долларов.",
                "«Мы готовы расширять сотрудничество», — заявил он.",
                "«Но условия должны быть честными».",
                "Встреча прошла в г. Минске, в т. ч. обсуждались поставки газа.",
                "Следующий раунд переговоров намечен на 15 мая.",
            ],
        ),
        (
            "В 2023 г. экономика выросла на 3,6 %. Об этом сообщил зам. министра С. Иванов. Ул. Ленина "
            "перекроют с 10:00. Он сказал: «Всё будет хорошо». Потом добавил: «Посмотрим!» — и ушёл. "
            "Проф. Петров не согласен, см. доклад на стр. 5. Акад. Сахаров и др. учёные подписали письмо.",
            [
                "В 2023 г. экономика выросла на 3,6 %.",
                "Об этом сообщил зам. министра С. Иванов.",
                "Ул. Ленина перекроют с 10:00.",
                "Он сказал: «Всё будет хорошо».",
                "Потом добавил: «Посмотрим!» — и ушёл.",
                "Проф. Петров не согласен, см. доклад на стр. 5.",
                "Акад. Сахаров и др. учёные подписали письмо.",
            ],
        ),
    ],
    "uk": [
        (
            "Міністр фінансів С. М. Марченко заявив, що інфляція сповільнилася до 4,3 % у квітні. «Ми бачимо "
            "стабілізацію цін», — сказав він журналістам у Києві. За даними НБУ, резерви зросли на 2,1 млрд "
            "дол. США, тобто до рекордного рівня. Уряд також схвалив програму «єОселя» для військових та ін. "
            "категорій громадян. Наступне засідання відбудеться 12 червня.",
            [
                "Міністр фінансів С. М. Марченко заявив, що інфляція сповільнилася до 4,3 % у квітні.",
                "«Ми бачимо стабілізацію цін», — сказав він журналістам у Києві.",
                "За даними НБУ, резерви зросли на 2,1 млрд дол. США, тобто до рекордного рівня.",
                "Уряд також схвалив програму «єОселя» для військових та ін. категорій громадян.",
                "Наступне засідання відбудеться 12 червня.",
            ],
        ),
        (
            "У 2024 р. ВВП зріс на 3,2 %. Про це повідомив проф. Іваненко. Засідання відбулося на вул. "
            "Хрещатик, 22. Він заявив: «Ми переможемо». Див. також ст. 5 Закону.",
            [
                "У 2024 р. ВВП зріс на 3,2 %.",
                "Про це повідомив проф. Іваненко.",
                "Засідання відбулося на вул. Хрещатик, 22.",
                "Він заявив: «Ми переможемо».",
                "Див. також ст. 5 Закону.",
            ],
        ),
    ],
    "de": [
        (
            "Die Bundesregierung hat am Mittwoch ein neues Klimapaket beschlossen. „Wir müssen jetzt "
            "handeln“, sagte Kanzler Dr. Olaf Scholz in Berlin. „Sonst wird es teurer.“ Das Paket umfasst "
            "u. a. Förderprogramme für Wärmepumpen, z. B. Zuschüsse von bis zu 70 Prozent. Die Inflation lag "
            "im Mai bei 2,4 Prozent. Laut Prof. Dr. Claudia Kemfert vom DIW ist das ein wichtiger Schritt.",
            [
                "Die Bundesregierung hat am Mittwoch ein neues Klimapaket beschlossen.",
                "„Wir müssen jetzt handeln“, sagte Kanzler Dr. Olaf Scholz in Berlin.",
                "„Sonst wird es teurer.“",
                "Das Paket umfasst u. a. Förderprogramme für Wärmepumpen, z. B. Zuschüsse von bis zu 70 "
                "Prozent.",
                "Die Inflation lag im Mai bei 2,4 Prozent.",
                "Laut Prof. Dr. Claudia Kemfert vom DIW ist das ein wichtiger Schritt.",
            ],
        ),
        (
            "Am 3. Oktober feiert Deutschland den Tag der Deutschen Einheit. Das Treffen fand in der "
            "Friedrichstr. 12 statt. Die Kosten betragen ca. 3 Mio. Euro, d. h. mehr als geplant. Herr "
            "Müller sagte: „Das ist zu viel.“ Er kündigte Widerstand an! Was nun? Die Grünen bzw. die FDP "
            "lehnen ab.",
            [
                "Am 3. Oktober feiert Deutschland den Tag der Deutschen Einheit.",
                "Das Treffen fand in der Friedrichstr. 12 statt.",
                "Die Kosten betragen ca. 3 Mio. Euro, d. h. mehr als geplant.",
                "Herr Müller sagte: „Das ist zu viel.“",
                "Er kündigte Widerstand an!",
                "Was nun?",
                "Die Grünen bzw. die FDP lehnen ab.",
            ],
        ),
    ],
    "es": [
        (
            "El presidente del Gobierno, Sr. Pedro Sánchez, anunció el martes un nuevo paquete de ayudas. "
            "«Es una medida necesaria», afirmó ante la prensa en Madrid. «No vamos a dejar a nadie atrás». "
            "El plan, valorado en 3,5 millones de euros, incluye ayudas para EE. UU. y la UE, entre otras "
            "regiones. Según la Dra. Ana López, la inflación bajó al 2,8 % en mayo. ¿Será suficiente? Los "
            "analistas lo dudan.",
            [
                "El presidente del Gobierno, Sr. Pedro Sánchez, anunció el martes un nuevo paquete de "
                "ayudas.",
                "«Es una medida necesaria», afirmó ante la prensa en Madrid.",
                "«No vamos a dejar a nadie atrás».",
                "El plan, valorado en 3,5 millones de euros, incluye ayudas para EE. UU. y la UE, entre "
                "otras regiones.",
                "Según la Dra. Ana López, la inflación bajó al 2,8 % en mayo.",
                "¿Será suficiente?",
                "Los analistas lo dudan.",
            ],
        ),
        (
            "La Sra. Martínez y el Dr. García llegaron a las 10 h. La reunión terminó sin acuerdo. La "
            "empresa, con sede en la Av. de la Constitución núm. 5, facturó 1.200 millones. «¡Es un día "
            "histórico!», exclamó. ¿Y ahora qué? Véase la pág. 12 del informe.",
            [
                "La Sra. Martínez y el Dr. García llegaron a las 10 h.",
                "La reunión terminó sin acuerdo.",
                "La empresa, con sede en la Av. de la Constitución núm. 5, facturó 1.200 millones.",
                "«¡Es un día histórico!», exclamó.",
                "¿Y ahora qué?",
                "Véase la pág. 12 del informe.",
            ],
        ),
    ],
}

# Whole articles (title, body) for summaries, search and topics: several paragraphs, the lead first.
RUSSIAN_TALKS: Final = (
    "Лукашенко и делегация Москвы обсудили поставки газа",
    "Президент Беларуси А. Г. Лукашенко провёл в Минске переговоры с делегацией правительства России. "
    "Стороны обсудили цены на газ, поставки нефти и строительство новой АЭС.\n\n"
    "По словам белорусского лидера, товарооборот двух стран вырос на 12,5 % за год, т. е. почти до "
    "50 млрд долларов. «Мы готовы расширять сотрудничество», — заявил он журналистам. «Но условия должны "
    "быть честными».\n\n"
    "Встреча прошла в г. Минске, в т. ч. обсуждался график платежей за энергоносители. Проф. экономики "
    "И. Петров считает, что соглашение выгодно обеим сторонам. Следующий раунд переговоров намечен на "
    "15 мая в Москве.",
)
RUSSIAN_FOOTBALL: Final = (
    "«Спартак» обыграл ЦСКА в московском дерби",
    "Футбольный клуб «Спартак» обыграл ЦСКА со счётом 2:1 в матче 20-го тура чемпионата России. Победный "
    "гол на 89-й минуте забил нападающий команды.\n\n"
    "Главный тренер «Спартака» назвал игру лучшей в сезоне. «Ребята бились до последней секунды», — "
    "сказал он после матча. Болельщики праздновали победу на трибунах до поздней ночи.\n\n"
    "После этой победы команда поднялась на второе место в турнирной таблице. Следующий матч клуб сыграет "
    "в воскресенье на выезде.",
)
GERMAN_CLIMATE: Final = (
    "Bundesregierung beschließt neues Klimapaket",
    "Die Bundesregierung hat am Mittwoch in Berlin ein neues Klimapaket beschlossen. Es umfasst u. a. "
    "Förderprogramme für Wärmepumpen und den Ausbau der Windkraft.\n\n"
    "„Wir müssen jetzt handeln“, sagte Kanzler Dr. Olaf Scholz nach der Kabinettssitzung. „Sonst wird es "
    "für alle teurer.“ Haushalte sollen z. B. Zuschüsse von bis zu 70 Prozent erhalten.\n\n"
    "Laut Prof. Dr. Claudia Kemfert vom DIW ist das Paket ein wichtiger Schritt. Die Opposition kritisierte "
    "die Kosten von ca. 12 Mrd. Euro. Der Bundestag soll im Juni abstimmen.",
)
