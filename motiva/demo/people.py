"""Plausible Russian names for the demo, drawn deterministically."""

from __future__ import annotations

import random

MALE_LAST = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
]
MALE_FIRST = [
    "Александр",
    "Алексей",
    "Андрей",
    "Сергей",
    "Дмитрий",
    "Игорь",
    "Михаил",
    "Николай",
    "Павел",
    "Роман",
    "Виктор",
    "Олег",
    "Евгений",
    "Максим",
    "Владимир",
]
FEMALE_FIRST = [
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Марина",
    "Юлия",
    "Екатерина",
    "Мария",
    "Людмила",
]
FATHERS = [
    "Александров",
    "Сергеев",
    "Иванов",
    "Петров",
    "Николаев",
    "Владимиров",
    "Михайлов",
    "Андреев",
    "Викторов",
    "Павлов",
]
KYRGYZ_MALE = [
    ("Асанов", "Бакыт"),
    ("Алиев", "Нурлан"),
    ("Токтогулов", "Эрлан"),
    ("Жумабеков", "Азамат"),
    ("Садыков", "Темир"),
    ("Исаков", "Данияр"),
]
KYRGYZ_FEMALE = [
    ("Исманова", "Гульмира"),
    ("Турганбаева", "Айнура"),
    ("Абдыкадырова", "Жылдыз"),
    ("Мамбетова", "Асель"),
    ("Омурбекова", "Нургуль"),
]


def feminine(last_name: str) -> str:
    for ending, replacement in (("ий", "ая"), ("ов", "ова"), ("ев", "ева"), ("ёв", "ёва"), ("ин", "ина")):
        if last_name.endswith(ending):
            return last_name[: -len(ending)] + replacement
    return last_name


class NameSource:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.used: set[tuple[str, str, str]] = set()

    def russian(self) -> tuple[str, str, str]:
        while True:
            female = self.random.random() < 0.4
            last = self.random.choice(MALE_LAST)
            father = self.random.choice(FATHERS)
            if female:
                name = (feminine(last), self.random.choice(FEMALE_FIRST), father + "на")
            else:
                name = (last, self.random.choice(MALE_FIRST), father + "ич")
            if name not in self.used:
                self.used.add(name)
                return name

    def kyrgyz(self) -> tuple[str, str, str]:
        for _attempt in range(50):
            female = self.random.random() < 0.4
            last, first = self.random.choice(KYRGYZ_FEMALE if female else KYRGYZ_MALE)
            name = (last, first, "")
            if name not in self.used:
                self.used.add(name)
                return name
        return self.russian()
