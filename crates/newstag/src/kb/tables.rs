//! Hand-written knowledge the shared gazetteer files lack, compiled into the gazetteer.
//!
//! Written for newstag from general knowledge (names and acronyms of international bodies,
//! the common English short names of countries, and the countries of the 1980s-90s that news
//! archives still mention). Released with the project's own licence.

/// International organisations and other bodies: canonical name, then aliases (acronyms first).
pub const ORGANIZATIONS: &[(&str, &[&str])] = &[
    ("United Nations", &["UN", "U.N."]),
    (
        "UN Security Council",
        &["Security Council", "U.N. Security Council", "United Nations Security Council"],
    ),
    (
        "UN General Assembly",
        &["General Assembly", "U.N. General Assembly", "United Nations General Assembly"],
    ),
    ("European Union", &["EU", "E.U."]),
    ("European Commission", &[]),
    ("European Parliament", &[]),
    ("European Central Bank", &["ECB"]),
    ("European Community", &["EC", "E.C.", "EEC", "European Economic Community", "Common Market"]),
    ("NATO", &["North Atlantic Treaty Organization", "Nato"]),
    ("International Monetary Fund", &["IMF"]),
    ("World Bank", &[]),
    ("World Trade Organization", &["WTO"]),
    ("GATT", &["General Agreement on Tariffs and Trade"]),
    ("OPEC", &["Organization of Petroleum Exporting Countries", "Opec"]),
    ("World Health Organization", &["WHO"]),
    ("UNESCO", &[]),
    ("UNICEF", &[]),
    ("International Atomic Energy Agency", &["IAEA"]),
    ("International Criminal Court", &["ICC"]),
    ("International Court of Justice", &["ICJ"]),
    ("Red Cross", &["International Committee of the Red Cross", "ICRC"]),
    ("Group of Seven", &["G7", "G-7"]),
    ("Group of 20", &["G20", "G-20"]),
    ("ASEAN", &["Association of Southeast Asian Nations"]),
    ("African Union", &["AU"]),
    ("Arab League", &[]),
    (
        "OECD",
        &[
            "Organisation for Economic Co-operation and Development",
            "Organization for Economic Cooperation and Development",
        ],
    ),
    ("Federal Reserve", &["Fed", "Federal Reserve Board", "U.S. Federal Reserve"]),
    ("Bank of England", &[]),
    ("Bank of Japan", &[]),
    ("Bundesbank", &[]),
    ("Pentagon", &[]),
    ("White House", &[]),
    ("Kremlin", &[]),
    ("CIA", &["Central Intelligence Agency"]),
    ("FBI", &["Federal Bureau of Investigation"]),
    ("NASA", &[]),
    ("Environmental Protection Agency", &["EPA"]),
    ("Securities and Exchange Commission", &["SEC"]),
    ("Coast Guard", &[]),
    ("Census Bureau", &[]),
    ("Supreme Court", &[]),
    ("Palestine Liberation Organization", &["PLO"]),
    ("Hamas", &[]),
    ("Hezbollah", &[]),
    ("Taliban", &[]),
    ("Islamic State", &["ISIS", "ISIL"]),
    ("al-Qaeda", &["al Qaeda", "Al Qaeda", "Al-Qaeda"]),
    ("Commonwealth of Independent States", &["CIS"]),
    ("Warsaw Pact", &[]),
    ("International Energy Agency", &["IEA"]),
    ("Paris Club", &[]),
    ("Interpol", &[]),
    ("Amnesty International", &[]),
    ("Greenpeace", &[]),
];

/// One country's institutions whose short names other countries' institutions share: (ISO
/// alpha-2 code of the country, canonical name, short names). A short name counts only in an
/// article that names the country at least as often as any other ("Congress" is the US Congress
/// in a US story, not in a report on Brazil's or India's Congress that mentions the US too); the
/// canonical name always counts.
pub const NATIONAL_ORGANIZATIONS: &[(&str, &str, &[&str])] = &[
    ("US", "US Congress", &["Congress"]),
    ("US", "US Senate", &["Senate"]),
    ("US", "US House of Representatives", &["House of Representatives"]),
];

/// Countries that no longer exist but fill news archives: name, then aliases and demonyms.
pub const FORMER_COUNTRIES: &[(&str, &[&str], &[&str])] = &[
    ("Soviet Union", &["USSR", "U.S.S.R.", "Union of Soviet Socialist Republics"], &["Soviet", "Soviets"]),
    ("West Germany", &["Federal Republic of Germany"], &["West German", "West Germans"]),
    ("East Germany", &["German Democratic Republic", "GDR"], &["East German", "East Germans"]),
    ("Yugoslavia", &[], &["Yugoslav", "Yugoslavs"]),
    ("Czechoslovakia", &[], &["Czechoslovak"]),
];

/// Countries whose name in the country file is not the one English-language newsrooms file them
/// under: (ISO alpha-2 code, display name). The file's name stays an alias.
pub const NEWS_NAMES: &[(&str, &str)] = &[
    ("TR", "Turkey"),
    ("CD", "Democratic Republic of the Congo"),
    ("CZ", "Czech Republic"),
    ("TL", "East Timor"),
];

/// Everyday English names the country files leave out: (ISO alpha-2 code, aliases).
pub const EXTRA_COUNTRY_ALIASES: &[(&str, &[&str])] = &[
    ("US", &["U.S.", "U.S.A.", "America", "the States"]),
    ("GB", &["Britain", "U.K.", "Great Britain"]),
    ("AE", &["UAE", "U.A.E."]),
    ("KR", &["Korea"]),
    ("NL", &["Holland"]),
    ("VA", &["Vatican", "Holy See"]),
    ("CI", &["Ivory Coast"]),
    ("MM", &["Burma"]),
];

/// Extra demonyms and adjectives, including plurals the country file leaves out: (code, forms).
pub const EXTRA_DEMONYMS: &[(&str, &[&str])] = &[
    ("GB", &["Briton", "Britons", "English", "Scottish", "Welsh"]),
    ("US", &["U.S.-based"]),
    ("NL", &["Dutch"]),
    ("PH", &["Filipino", "Filipinos", "Philippine"]),
    ("CH", &["Swiss"]),
    ("SE", &["Swede", "Swedes"]),
    ("DK", &["Dane", "Danes", "Danish"]),
    ("FI", &["Finn", "Finns", "Finnish"]),
    ("PL", &["Pole", "Poles", "Polish"]),
    ("TR", &["Turk", "Turks", "Turkish"]),
    ("ES", &["Spaniard", "Spaniards", "Spanish"]),
    ("FR", &["French", "Frenchman"]),
    ("IE", &["Irish"]),
    ("PT", &["Portuguese"]),
    ("JP", &["Japanese"]),
    ("VN", &["Vietnamese"]),
    ("IL", &["Israeli", "Israelis"]),
    ("PK", &["Pakistani", "Pakistanis"]),
    ("IQ", &["Iraqi", "Iraqis"]),
    ("KW", &["Kuwaiti", "Kuwaitis"]),
    ("SA", &["Saudi", "Saudis"]),
];

/// Cities of the US list better known as cities (or a province) elsewhere: they stay places but
/// imply no country, so "Manchester", "Birmingham" or "Vancouver" do not make an article about
/// the United States.
pub const US_CITIES_ALSO_ABROAD: &[&str] = &[
    "Alexandria",
    "Birmingham",
    "Cambridge",
    "Durham",
    "Lancaster",
    "Manchester",
    "Norfolk",
    "Ontario",
    "Portsmouth",
    "Richmond",
    "Rochester",
    "Stamford",
    "Toledo",
    "Vancouver",
    "Westminster",
    "Worcester",
];

/// Countries whose names put the family name first, so "Xi" alone is the surname of "Xi Jinping".
pub const FAMILY_NAME_FIRST: &[&str] = &["CN", "TW", "HK", "MO", "KR", "KP", "VN", "KH", "HU"];

/// Capitalised words that are also family names of leaders but mostly mean something else.
pub const NOT_SURNAMES: &[&str] = &[
    "May", "Rama", "Lee", "Li", "Sun", "Long", "Young", "King", "Price", "Little", "Rich", "Law", "Frank",
    "Grant", "Hope", "Joy", "Bill", "Mark", "Will", "Dean", "Church", "Street", "Green", "Brown", "White",
    "Black", "Park", "Moon", "Kim", "Wang", "Zhang", "Liu", "Chen", "Singh", "Khan", "Ali", "Shah", "Said",
    "Ben", "Al", "El", "De", "Da", "Van", "Von", "Santos", "Silva", "Costa", "Martin", "Lopez", "Hun",
    "Cook", "Miller", "Smith", "Jones", "Johnson", "Wilson",
];
