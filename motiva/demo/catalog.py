"""What the demo organizations are made of: scales, indicators and card matrices drawn from the
seed articles (see docs/demo.md for the source of each)."""

from __future__ import annotations

# Scales shared by all demo organizations: name, kind, params.
SCALES = {
    "ratio": ("Отношение факт/план (до 150 %)", "ratio", {"floor": "0", "cap": "150"}),
    "ratio100": ("Выполнение задачи, % (до 100 %)", "ratio", {"floor": "0", "cap": "100"}),
    "corridor": ("Коридор 75 % … 125 %", "corridor", {"below_threshold_score": "0", "threshold_score": "75", "target_score": "100", "maximum_score": "125"}),
    "ttm": ("Порог — цель — максимум", "threshold_target_max", {"threshold_score": "50", "target_score": "100", "maximum_score": "150", "interpolate": False}),
    "insol": ("Ступени Insol: выше плана 50, план 30, ниже 10", "step_table", {
        "steps": [
            {"min_attainment": "105", "score": "50", "label": "выше плана"},
            {"min_attainment": "100", "score": "30", "label": "плановый уровень"},
            {"min_attainment": "60", "score": "10", "label": "ниже плана"},
        ],
        "below_score": "0", "below_label": "недопустимо низкий",
    }),
    "binary": ("Событие-нарушение: 0 или полностью", "binary", {"event_is_failure": True, "score_if_good": "100", "score_if_bad": "0"}),
    "penalty": ("Штрафные баллы: −10 % за балл", "penalty_points", {"base_score": "100", "points_per_violation": "1", "score_per_point": "10", "floor": "0"}),
    "penalty2": ("Штрафные баллы: 2 балла за несоответствие", "penalty_points", {"base_score": "100", "points_per_violation": "2", "score_per_point": "10", "floor": "0"}),
    "rating": ("Оценка −2 … +2", "rating", {"mapping": {"-2": "0", "-1": "50", "0": "80", "1": "100", "2": "120"}}),
    "triad": ("Триада: баллы 1–4", "discrete_levels", {"as_multiplier": False, "levels": [
        {"code": "1", "label": "1 балл", "value": "25"}, {"code": "2", "label": "2 балла", "value": "50"},
        {"code": "3", "label": "3 балла", "value": "75"}, {"code": "4", "label": "4 балла", "value": "100"},
    ]}),
    "mentoring": ("Наставничество (множитель)", "discrete_levels", {"as_multiplier": True, "levels": [
        {"code": "none", "label": "нет подопечных", "value": "1"}, {"code": "mentor", "label": "обучает нового сотрудника", "value": "1.3"},
    ]}),
    "proposals": ("Рационализаторские предложения (множитель)", "discrete_levels", {"as_multiplier": True, "levels": [
        {"code": "none", "label": "предложений нет", "value": "1"},
        {"code": "rejected", "label": "предложены, не приняты", "value": "1.05"},
        {"code": "small", "label": "внедрены, небольшой эффект", "value": "1.1"},
        {"code": "big", "label": "внедрены, значительный эффект", "value": "1.3"},
    ]}),
    "quality": ("Качество работ (множитель)", "discrete_levels", {"as_multiplier": True, "levels": [
        {"code": "high", "label": "высокое качество, строгая дисциплина", "value": "1"},
        {"code": "many", "label": "много недочётов", "value": "0.8"},
        {"code": "minor", "label": "незначительные нарушения без брака", "value": "0.6"},
        {"code": "defects", "label": "нарушения, приведшие к сбоям и браку", "value": "0"},
    ]}),
}

# Indicators: code -> (name, unit, direction, kind, periodicity, extra fields)
TRANSPORT_INDICATORS = {
    "EBITDA_PLAN": ("Степень достижения утверждённого планового значения EBITDA", "млн руб.", "higher", "quantitative", "year",
                    {"accounting_standard": "ifrs", "data_source": "Управленческая отчётность, ПЭО", "definition": "EBITDA за период по МСФО против утверждённого бюджета."}),
    "TRANSPORT_PLAN": ("Выполнение плана перевозок", "тыс. т·км", "higher", "quantitative", "quarter", {"data_source": "Путевые листы"}),
    "FLEET_READY": ("Коэффициент выпуска автомобилей на линию", "%", "higher", "quantitative", "quarter", {}),
    "FUEL_PER_100KM": ("Расход топлива на 100 км", "л", "lower", "quantitative", "quarter", {"data_source": "Топливные карты"}),
    "ACCIDENTS": ("Дорожно-транспортные происшествия по вине водителей", "случаи", "lower", "penalty", "quarter", {}),
    "ON_TIME": ("Доля рейсов, выполненных по графику", "%", "higher", "quantitative", "quarter", {}),
    "RECEIVABLES_EXCESS": ("Среднедневное превышение лимита по дебиторской задолженности за период", "тыс. руб.", "lower", "quantitative", "quarter",
                           {"accounting_standard": "ras", "definition": "Среднее за дни периода превышение дебиторской задолженности над установленным лимитом; обратный показатель."}),
    "REVENUE_PLAN": ("Выполнение плана выручки", "млн руб.", "higher", "quantitative", "quarter", {"accounting_standard": "ras"}),
    "BUDGET_EXEC": ("Исполнение бюджета подразделения", "%", "higher", "quantitative", "quarter", {}),
    "REPORTS_ON_TIME": ("Своевременность управленческой отчётности", "%", "higher", "quantitative", "quarter", {}),
    "VACANCY_CLOSED": ("Доля вакансий, закрытых в срок", "%", "higher", "quantitative", "quarter", {}),
    "PERSONAL_EFF": ("Личная эффективность сотрудника", "балл", "higher", "rating", "half_year",
                     {"definition": "Оценка руководителя по утверждённой форме: старание и исполнительская дисциплина."}),
    "REPAIRS_PLAN": ("Выполнение плана ремонтов", "ремонты", "higher", "quantitative", "month", {}),
    "REPEAT_REPAIRS": ("Доля повторных ремонтов", "%", "lower", "quantitative", "month", {}),
    "TECH_DISCIPLINE": ("Нарушения технологической дисциплины", "нарушения", "lower", "penalty", "month", {}),
    "TONNES": ("Перевезено грузов", "т", "higher", "quantitative", "quarter", {"monitoring_only": True}),
    "HEADCOUNT": ("Среднесписочная численность", "чел.", "higher", "quantitative", "quarter", {"monitoring_only": True}),
    "LABOUR_PRODUCTIVITY": ("Производительность труда", "т/чел.", "higher", "quantitative", "quarter",
                            {"monitoring_only": True, "formula": "TONNES / HEADCOUNT", "benchmark": "130", "benchmark_note": "лучшая практика отрасли"}),
    "SLA_SHARE": ("Доля заявок, решённых в рамках SLA", "%", "higher", "quantitative", "month", {}),
    "CSAT_POSITIVE": ("Доля положительных оценок пользователей", "%", "higher", "quantitative", "month", {}),
    "IT_RANK": ("Место в ежемесячном рейтинге инженеров", "место", "lower", "quantitative", "month", {"monitoring_only": True}),
    "OUTSOURCE_REGIONS": ("Регионы, где инженер управляет аутсорсингом", "регионы", "higher", "quantitative", "month", {"monitoring_only": True}),
    "REPAIRS_COUNT": ("Количество ремонтов", "шт.", "higher", "quantitative", "month", {}),
    "TAT_DAYS": ("Средний срок ремонта (TAT)", "дни", "lower", "quantitative", "month", {}),
    "CSI": ("Индекс удовлетворённости клиентов", "индекс", "higher", "quantitative", "month", {}),
    "KTU": ("Коэффициент трудового участия (КТУ)", "0…1", "higher", "quantitative", "month",
            {"monitoring_only": True, "definition": "Назначается аттестационной комиссией от 0 до 1 с шагом 0,1."}),
    "DOC_HIDDEN_WORKS": ("Акты на скрытые работы и исполнительная документация по объекту N", "%", "higher", "quantitative", "month", {}),
    "DOC_TABLES": ("Информационные таблицы для отслеживания объёмов работ", "%", "higher", "quantitative", "month", {}),
    "DOC_APPROVAL": ("Согласование исполнительной документации у заказчика", "%", "higher", "quantitative", "month", {}),
    "VOLUMES_KS": ("Расчёт объёмов по объекту N, сводные ведомости (КС-2, КС-3)", "%", "higher", "quantitative", "month", {}),
    "INTERACTION": ("Взаимодействие со смежными подразделениями и заказчиками", "%", "higher", "quantitative", "month", {}),
    "EXEC_DISCIPLINE": ("Исполнительская дисциплина", "%", "higher", "quantitative", "month", {}),
    "PERMIT_WASTEWATER": ("Обоснования по точкам сброса сточных вод, материалы для Роспотребнадзора", "%", "higher", "quantitative", "month", {}),
    "PERMIT_FISHERY": ("Оценка воздействия на рыбохозяйственные характеристики ручьёв", "%", "higher", "quantitative", "month", {}),
    "SUPPLIER_Z": ("Работа с поставщиком деревянных конструкций Z", "%", "higher", "quantitative", "month", {}),
}

BEVERAGE_INDICATORS = {
    "RAW_SPEC": ("Стопроцентное соответствие стратегического сырья и материалов спецификациям", "%", "higher", "quantitative", "month", {"data_source": "Лаборатория"}),
    "REQUESTS_DONE": ("Полное выполнение утверждённых заявок", "%", "higher", "quantitative", "month", {}),
    "COMPLAINTS_RESOLVED": ("Процент разрешения жалоб", "%", "higher", "quantitative", "month", {}),
    "PROCEDURES_OK": ("Соответствие процессов компании разработанным процедурам", "%", "higher", "quantitative", "month", {"definition": "Ежемесячный внутренний аудит 140 процедур."}),
    "PRODUCTION_PLAN": ("План производства", "тыс. шт.", "higher", "quantitative", "month", {}),
    "DOWNTIME_HOURS": ("Количество часов простоя", "ч", "lower", "quantitative", "month", {}),
    "EXPIRED_RETURNS": ("Возврат просроченной продукции", "тыс. сом", "lower", "quantitative", "month", {}),
    "DSO_NORM": ("Оборачиваемость дебиторской задолженности сверх нормы", "дни", "lower", "quantitative", "month", {}),
    "SALES": ("Продажи", "млн сом", "higher", "quantitative", "month", {}),
    "ROUTE_BREAKDOWNS": ("Поломки на маршруте", "случаи", "lower", "quantitative", "month", {"data_source": "Логист, отдел качества"}),
    "TRANSPORT_DAYS": ("Обеспечение транспортом", "дни (1 день = 1 балл)", "higher", "quantitative", "month", {"definition": "Каждый день бесперебойного обеспечения — один балл; оценивают внутренние клиенты."}),
    "AR_WITHIN_PLAN": ("Факт дебиторской задолженности не превышает плана по сроку и сумме", "%", "higher", "quantitative", "month", {}),
    "REPORTING_QUALITY": ("Качество и сроки финансовой отчётности", "%", "higher", "quantitative", "month", {}),
    "HR_REQUESTS_ON_TIME": ("Процент заявок на подбор, закрытых в срок", "%", "higher", "quantitative", "month", {}),
    "HR_PRODUCTIVITY": ("Производительность HR: выручка на среднесписочную численность", "тыс. сом/чел.", "higher", "quantitative", "month", {"monitoring_only": True}),
    "REVENUE_KG": ("Выполнение плана выручки по Кыргызстану", "млн сом", "higher", "quantitative", "month", {}),
}

RETAIL_INDICATORS = {
    "LOSS_STORE": ("Хотя бы одна торговая точка, работающая более года, убыточна более трёх месяцев", "событие", "lower", "binary", "year",
                   {"data_source": "Отчёт об операционной прибыли", "definition": "1 — событие произошло (KPI не выполнен)."}),
    "EBITDA_MISS": ("Невыполнение показателя EBITDA за отчётный период", "событие", "lower", "binary", "year", {"accounting_standard": "ifrs"}),
    "DECISION_RULES": ("Нарушение внутренних нормативов о порядке принятия решений", "событие", "lower", "binary", "year", {}),
    "BOARD_DECISIONS": ("Невыполнение решений совета директоров", "событие", "lower", "binary", "year", {}),
    "STORE_SALES": ("Выполнение плана продаж магазина", "тыс. руб.", "higher", "quantitative", "month", {"data_source": "Аналитик компании"}),
    "REPORT_DISCIPLINE": ("Соблюдение отчётной и исполнительской дисциплины", "нарушения", "lower", "penalty", "month", {"definition": "Одно нарушение — один балл."}),
    "STAFF_WORK": ("Работа подчинённого персонала", "несоответствия", "lower", "penalty", "month", {"definition": "Несоответствие (например, парковка и вход не по нормам) — два балла."}),
    "SALES_MANAGER": ("Выполнение личного плана продаж (план = факт прошлого года + 20 %)", "тыс. руб.", "higher", "quantitative", "month", {}),
    "TRIAD_QUANTITY": ("Количество работы", "балл 1–4", "higher", "discrete", "month", {}),
    "TRIAD_QUALITY": ("Качество работы", "балл 1–4", "higher", "discrete", "month", {}),
    "TRIAD_TIMELINESS": ("Срок выполнения работы", "балл 1–4", "higher", "discrete", "month", {}),
    "MENTORING": ("Обучение нового сотрудника", "уровень", "higher", "discrete", "month", {}),
    "PROPOSALS": ("Предложения по оптимизации деятельности", "уровень", "higher", "discrete", "month", {}),
    "WORK_QUALITY": ("Качество работ и дисциплина", "уровень", "higher", "discrete", "month", {}),
}

# A card line: (indicator code or component, level, weight, scale key, target, threshold, maximum, planned amount)
# For tasks / assessment the first item is ("tasks", label) or ("assessment", label).
L = tuple
