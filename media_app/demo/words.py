# ruff: noqa: SIM905, RUF001
"""Small hand-written vocabularies, most frequent words first (the rank drives the Zipf-like
sampling in :mod:`media_app.demo.text`). Written for this project; no corpus is copied.

Space-separated strings split into lists keep the vocabularies readable (hence SIM905);
Cyrillic letters look like Latin ones on purpose (RUF001).

Each language has ``function`` words (articles, prepositions: the head of any real word
distribution), ``nouns`` and ``verbs`` and ``adjectives`` for a newsroom's subjects, and
``topics`` used as tags.
"""

LANGUAGES: dict[str, dict[str, list[str]]] = {
    "en": {
        "function": (
            "the of and to in a is for on that with as at by from this it be are was "
            "after over new about into more than before under their its why how what who"
        ).split(),
        "nouns": (
            "city council election water budget school hospital police court river "
            "farmers border workers market climate flood fire storm housing rent strike "
            "union mayor minister parliament village port bridge road train airport "
            "refugees families children teachers nurses doctors students protest vote "
            "report inquiry contract company factory mine forest coast island harbour "
            "drought harvest festival museum library stadium theatre church mosque "
            "archive interview documentary evidence witness trial verdict prison "
            "journalist editor newsroom camera microphone satellite map data leak"
        ).split(),
        "verbs": (
            "says finds shows opens closes faces demands rejects wins loses builds "
            "returns reveals warns plans cuts raises moves tracks explains counts"
        ).split(),
        "adjectives": (
            "local public new old small rural coastal northern southern quiet late "
            "hidden missing rising growing last first long local independent"
        ).split(),
        "topics": (
            "politics economy environment health education justice culture sport "
            "science technology housing transport energy agriculture migration "
            "elections corruption weather investigation interview obituary"
        ).split(),
    },
    "fr": {
        "function": (
            "le la les de des du et à en un une pour sur dans par avec au aux "
            "ce cette qui que est sont après avant sous entre plus"
        ).split(),
        "nouns": (
            "ville mairie élection eau budget école hôpital police tribunal rivière "
            "agriculteurs frontière ouvriers marché climat inondation incendie tempête "
            "logement loyer grève syndicat maire ministre assemblée village port pont "
            "route gare aéroport réfugiés familles enfants enseignants infirmières "
            "médecins étudiants manifestation scrutin rapport enquête contrat usine "
            "forêt côte île sécheresse récolte fête musée bibliothèque théâtre église "
            "témoin procès prison journaliste rédaction caméra carte données fuite"
        ).split(),
        "verbs": (
            "dit révèle montre ouvre ferme affronte exige rejette gagne perd construit "
            "revient prévient prévoit réduit augmente déménage explique compte"
        ).split(),
        "adjectives": (
            "local publique nouveau vieux petit rural côtier oubliée discret dernier "
            "premier longue indépendant fragile menacé élevé"
        ).split(),
        "topics": (
            "politique économie environnement santé éducation justice culture sport "
            "sciences numérique logement transports énergie agriculture migrations "
            "élections corruption météo enquête entretien"
        ).split(),
    },
    "es": {
        "function": (
            "el la los las de del y a en un una para por con sobre al que es son "
            "tras antes entre sin más su sus"
        ).split(),
        "nouns": (
            "ciudad ayuntamiento elecciones agua presupuesto escuela hospital policía "
            "tribunal río campesinos frontera trabajadores mercado clima inundación "
            "incendio tormenta vivienda alquiler huelga sindicato alcalde ministro "
            "congreso pueblo puerto puente carretera estación aeropuerto refugiados "
            "familias niños maestros enfermeras médicos estudiantes protesta votación "
            "informe investigación contrato fábrica mina bosque costa isla sequía "
            "cosecha fiesta museo biblioteca teatro iglesia testigo juicio cárcel "
            "periodista redacción cámara mapa datos filtración"
        ).split(),
        "verbs": (
            "dice revela muestra abre cierra enfrenta exige rechaza gana pierde "
            "construye vuelve advierte planea recorta sube explica cuenta"
        ).split(),
        "adjectives": (
            "local pública nuevo viejo pequeño rural costero olvidada último primera "
            "larga independiente frágil amenazado"
        ).split(),
        "topics": (
            "política economía medioambiente salud educación justicia cultura deporte "
            "ciencia tecnología vivienda transporte energía agricultura migración "
            "corrupción clima investigación entrevista"
        ).split(),
    },
    "ar": {
        "function": "في من على إلى عن مع بعد قبل هذا هذه التي الذي بين حول أن".split(),
        "nouns": (
            "المدينة البلدية الانتخابات المياه الميزانية المدرسة المستشفى الشرطة "
            "المحكمة النهر المزارعون الحدود العمال السوق المناخ الفيضان الحريق "
            "العاصفة السكن الإيجار الإضراب النقابة العمدة الوزير البرلمان القرية "
            "الميناء الجسر الطريق المطار اللاجئون العائلات الأطفال المعلمون الأطباء "
            "الطلاب الاحتجاج التصويت التقرير التحقيق العقد المصنع الغابة الساحل "
            "الجفاف الحصاد المهرجان المتحف المكتبة المسرح الشاهد المحاكمة السجن "
            "الصحفي الكاميرا الخريطة البيانات"
        ).split(),
        "verbs": "يقول يكشف يظهر يفتح يغلق يواجه يطالب يرفض يفوز يخسر يبني يحذر يشرح".split(),
        "adjectives": (
            "المحلي العام الجديد القديم الصغير الريفي الساحلي الأخير الأول المستقل"
        ).split(),
        "topics": (
            "سياسة اقتصاد بيئة صحة تعليم عدالة ثقافة رياضة علوم تكنولوجيا "
            "سكن نقل طاقة زراعة هجرة انتخابات فساد تحقيق مقابلة"
        ).split(),
    },
    "ru": {
        "function": "в и на с по из за о от для после до под между как что это его их".split(),
        "nouns": (
            "город мэрия выборы вода бюджет школа больница полиция суд река фермеры "
            "граница рабочие рынок климат наводнение пожар буря жильё аренда забастовка "
            "профсоюз мэр министр парламент деревня порт мост дорога вокзал аэропорт "
            "беженцы семьи дети учителя врачи студенты протест голосование доклад "
            "расследование контракт завод шахта лес побережье остров засуха урожай "
            "фестиваль музей библиотека театр свидетель процесс тюрьма журналист "
            "редакция камера карта данные утечка"
        ).split(),
        "verbs": (
            "говорит раскрывает показывает открывает закрывает требует отвергает "
            "выигрывает теряет строит возвращается предупреждает объясняет"
        ).split(),
        "adjectives": (
            "местный общественный новый старый малый сельский прибрежный последний "
            "первый независимый хрупкий"
        ).split(),
        "topics": (
            "политика экономика экология здоровье образование правосудие культура "
            "спорт наука технологии жильё транспорт энергетика сельское-хозяйство "
            "миграция выборы коррупция расследование интервью"
        ).split(),
    },
}

# Share of the archive in each language (an English-first newsroom with a multilingual desk).
LANGUAGE_WEIGHTS = {"en": 50, "fr": 20, "es": 15, "ar": 8, "ru": 7}

FIRST_NAMES = (
    "Anna Maria David Sarah Omar Lina Pierre Chloé Lucía Javier Fatima Youssef Olga Ivan "
    "Nadia Samuel Élodie Mateo Sofía Hamza Leila Tomás Inès Dmitri Irina Grace Kwame Amara "
    "Noor Rania José Ana Théo Zoé Mariam Karim Hélène Andrés Camila Aleksei Yasmin Ben Ruth"
).split()
LAST_NAMES = (
    "Martin Dubois García López Haddad Nasser Ivanova Petrov Smith Okafor Mensah Durand "
    "Fernández Morales Khalil Benali Sokolova Kowalski Nguyen Rossi Moreau Lefèvre Rodríguez "
    "Sánchez Mansour Farouk Volkova Kuznetsov Brown Wilson Asante Diallo Bernard Núñez"
).split()
OUTLETS = (
    "The Valley Courier",
    "Radio Rivière",
    "El Faro del Sur",
    "Coastline Weekly",
    "Nouvelles de l'Est",
    "Al-Manara",
    "Северный вестник",
    "Harbour Independent",
    "La Voz del Pueblo",
    "City Desk Video",
)
ROLES = ("reporter", "video journalist", "editor", "photographer", "producer", "correspondent")

CATEGORY_TITLES = (
    "News",
    "Investigations",
    "Politics",
    "Local",
    "Environment",
    "Economy",
    "Culture",
    "Sport",
    "Health",
    "Education",
    "Justice",
    "Interviews",
    "Documentaries",
    "Science",
    "Technology",
    "Migration",
    "Housing",
    "Transport",
    "Energy",
    "Agriculture",
    "Élections",
    "Société",
    "Cultura",
    "Medioambiente",
    "سياسة",
    "ثقافة",
    "Общество",
    "Archives",
    "Fact checks",
    "Obituaries",
)
