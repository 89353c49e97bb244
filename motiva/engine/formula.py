"""The formula language of computed indicators and pay schemes.

Our own small grammar, parsed once into an immutable tree and evaluated many times over Decimals.
There is no eval: the only things a formula can do are the operators and functions listed here.

    expression := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "=" | "==" | "!=" | "<>") sum)?
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "×" | "/" | "÷") unary)*
    unary      := ("-" | "+") unary | atom
    atom       := NUMBER | NAME | NAME "(" arguments ")" | "(" expression ")"

Numbers use a dot or a comma-free form (1500000, 0.2); percentages are written as numbers. Names are
indicator codes and scheme quantities (letters of any alphabet, digits, "_"). Comparisons give 1 or 0.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from motiva.engine.money import CONTEXT, ONE, ZERO
from motiva.engine.problems import Problem
from motiva.engine.text import text

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 400
MAX_MAGNITUDE = Decimal("1e18")

FUNCTIONS: dict[str, tuple[int, int]] = {  # name: (min args, max args)
    "min": (1, 50),
    "max": (1, 50),
    "abs": (1, 1),
    "round": (1, 2),
    "if": (3, 3),
    "clamp": (3, 3),
}
# Aggregates take a name and are answered by the evaluation context (the scheme's group).
AGGREGATES = {"sum", "avg", "count", "rank"}


class FormulaError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render("en"))
        self.problem = problem


def _fail(code: str, position: int, ru: str, en: str, **params: object) -> FormulaError:
    return FormulaError(
        Problem(
            code,
            f"formula:{position + 1}",
            text(ru + " (символ {pos})", en + " (character {pos})", pos=position + 1, **params),
        )
    )


@dataclass(frozen=True)
class Num:
    value: Decimal


@dataclass(frozen=True)
class Name:
    name: str
    position: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    position: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    position: int


Node = Num | Name | Unary | Binary | Call


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    text: str
    position: int


_OPERATORS = ["<=", ">=", "==", "!=", "<>", "<", ">", "=", "+", "-", "*", "/", "×", "÷", "·"]
_KEYWORDS = {"and", "or", "not", "и", "или", "не"}
_DIGITS = "0123456789"
_KEYWORD_ALIASES = {"и": "and", "или": "or", "не": "not"}


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(source):
        char = source[index]
        if char.isspace():
            index += 1
            continue
        if char.isdigit() and char not in _DIGITS:
            # "2²", Arabic-Indic or full-width digits: Decimal would read some of them as numbers
            raise _fail(
                "bad_digit",
                index,
                "Недопустимая цифра «{char}»: числа пишутся цифрами 0–9",
                "Unexpected digit “{char}”: numbers are written with the digits 0–9",
                char=char,
            )
        if char in _DIGITS or (char == "." and index + 1 < len(source) and source[index + 1] in _DIGITS):
            start = index
            while index < len(source) and (source[index] in _DIGITS or source[index] == "."):
                index += 1
            literal = source[start:index]
            if literal.count(".") > 1:
                raise _fail(
                    "bad_number",
                    start,
                    "Неверное число «{literal}»",
                    "Malformed number “{literal}”",
                    literal=literal,
                )
            tokens.append(Token("num", literal, start))
            continue
        if char.isalpha() or char == "_":
            start = index
            while index < len(source) and (
                source[index].isalpha() or source[index] in _DIGITS or source[index] == "_"
            ):
                index += 1
            word = source[start:index]
            lowered = word.lower()
            if lowered in _KEYWORDS:
                tokens.append(Token("op", _KEYWORD_ALIASES.get(lowered, lowered), start))
            else:
                tokens.append(Token("name", word, start))
            continue
        if char in "(),":
            tokens.append(Token(char, char, index))
            index += 1
            continue
        for operator in _OPERATORS:
            if source.startswith(operator, index):
                tokens.append(Token("op", operator, index))
                index += len(operator)
                break
        else:
            raise _fail(
                "bad_character",
                index,
                "Недопустимый символ «{char}»",
                "Unexpected character “{char}”",
                char=char,
            )
    tokens.append(Token("end", "", len(source)))
    return tokens


def _found(token: Token) -> dict[str, str]:
    if token.kind == "end":
        return {"found": "конец формулы", "found_en": "the end of the formula"}
    return {"found": f"«{token.text}»", "found_en": f"“{token.text}”"}


_COMPARISONS = {"<", "<=", ">", ">=", "=", "==", "!=", "<>"}
_NORMALIZE = {"×": "*", "·": "*", "÷": "/", "==": "=", "<>": "!="}


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0
        self.nodes = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def count(self, position: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(
                "too_complex",
                position,
                "Формула слишком сложная (больше {n} элементов)",
                "The formula is too complex (over {n} parts)",
                n=MAX_NODES,
            )

    def expect(self, kind: str, ru: str, en: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            raise _fail(
                "syntax",
                token.position,
                ru + ", а встретилось {found}",
                en + ", found {found_en}",
                **_found(token),
            )
        return self.take()

    def parse(self) -> Node:
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise _fail(
                "syntax",
                token.position,
                "Лишнее «{found}» после выражения",
                "Unexpected “{found}” after the expression",
                found=token.text,
            )
        return node

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _fail(
                "too_deep",
                self.peek().position,
                "Слишком глубокая вложенность (больше {n})",
                "Nesting is too deep (over {n})",
                n=MAX_DEPTH,
            )
        return self.binary_level(0, depth)

    _LEVELS: tuple[frozenset[str], ...] = (
        frozenset({"or"}),
        frozenset({"and"}),
        frozenset(),  # "not" is handled as a prefix at this level
        frozenset(_COMPARISONS),
        frozenset({"+", "-"}),
        frozenset({"*", "/", "×", "÷", "·"}),
    )

    def binary_level(self, level: int, depth: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary(depth)
        if level == 2:
            token = self.peek()
            if token.kind == "op" and token.text == "not":
                self.take()
                self.count(token.position)
                return Unary("not", self.binary_level(2, depth + 1))
            return self.binary_level(3, depth)
        left = self.binary_level(level + 1, depth)
        operators = self._LEVELS[level]
        while self.peek().kind == "op" and self.peek().text in operators:
            token = self.take()
            self.count(token.position)
            right = self.binary_level(level + 1, depth + 1)
            left = Binary(_NORMALIZE.get(token.text, token.text), left, right, token.position)
            if level == 3:  # comparisons do not chain: a < b < c is an error, not a surprise
                if self.peek().kind == "op" and self.peek().text in operators:
                    raise _fail(
                        "chained_comparison",
                        self.peek().position,
                        "Сравнения нельзя писать цепочкой",
                        "Comparisons cannot be chained",
                    )
                break
        return left

    def unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise _fail(
                "too_deep",
                self.peek().position,
                "Слишком глубокая вложенность (больше {n})",
                "Nesting is too deep (over {n})",
                n=MAX_DEPTH,
            )
        token = self.peek()
        if token.kind == "op" and token.text in ("-", "+"):
            self.take()
            self.count(token.position)
            operand = self.unary(depth + 1)
            return operand if token.text == "+" else Unary("-", operand)
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        token = self.take()
        self.count(token.position)
        if token.kind == "num":
            number = Decimal(token.text)
            if abs(number) > MAX_MAGNITUDE or len(token.text) > 40:
                raise _fail(
                    "too_large",
                    token.position,
                    "Число «{literal}» вне допустимых пределов (по модулю до 10^18, не длиннее 40 знаков)",
                    "The number “{literal}” is out of range (magnitude up to 10^18, at most 40 characters)",
                    literal=token.text if len(token.text) <= 40 else token.text[:40] + "…",
                )
            return Num(number)
        if token.kind == "(":
            node = self.expression(depth + 1)
            self.expect(")", "Ожидалась «)»", "Expected “)”")
            return node
        if token.kind == "name":
            if self.peek().kind == "(":
                return self.call(token, depth)
            return Name(token.text, token.position)
        raise _fail(
            "syntax",
            token.position,
            "Ожидалось число, имя или «(», а встретилось {found}",
            "Expected a number, a name or “(”, found {found_en}",
            **_found(token),
        )

    def call(self, name: Token, depth: int) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS and function not in AGGREGATES:
            raise _fail(
                "unknown_function",
                name.position,
                "Неизвестная функция «{name}»; доступны: {known}",
                "Unknown function “{name}”; available: {known}",
                name=name.text,
                known=", ".join(sorted(FUNCTIONS) + sorted(AGGREGATES)),
            )
        self.take()  # "("
        args: list[Node] = []
        if self.peek().kind != ")":
            while True:
                args.append(self.expression(depth + 1))
                if self.peek().kind == ",":
                    self.take()
                    continue
                break
        self.expect(")", "Ожидалась «)» или «,»", "Expected “)” or “,”")
        if function in AGGREGATES:
            if len(args) != 1 or not isinstance(args[0], Name):
                raise _fail(
                    "aggregate_args",
                    name.position,
                    "{name}() принимает одно имя показателя",
                    "{name}() takes one indicator name",
                    name=function,
                )
        else:
            low, high = FUNCTIONS[function]
            if not low <= len(args) <= high:
                raise _fail(
                    "arity",
                    name.position,
                    "{name}() принимает от {low} до {high} аргументов, передано {n}",
                    "{name}() takes {low} to {high} arguments, got {n}",
                    name=function,
                    low=low,
                    high=high,
                    n=len(args),
                )
        return Call(function, tuple(args), name.position)


@dataclass(frozen=True)
class Formula:
    source: str
    tree: Node

    @property
    def names(self) -> frozenset[str]:
        """Every name the formula reads (aggregates included)."""
        found: set[str] = set()

        def walk(node: Node) -> None:
            if isinstance(node, Name):
                found.add(node.name)
            elif isinstance(node, Unary):
                walk(node.operand)
            elif isinstance(node, Binary):
                walk(node.left)
                walk(node.right)
            elif isinstance(node, Call):
                for arg in node.args:
                    walk(arg)

        walk(self.tree)
        return frozenset(found)


def parse(source: str) -> Formula:
    """Parse a formula or raise FormulaError with a problem that names the character.

    A Formula is immutable: parsed once, it is evaluated many times (a run keeps its parsed formulas in
    its `Memo`)."""
    if not isinstance(source, str) or not source.strip():
        raise FormulaError(Problem("empty", "formula", text("Формула пуста", "The formula is empty")))
    if len(source) > MAX_LENGTH:
        raise FormulaError(
            Problem(
                "too_long",
                "formula",
                text(
                    "Формула длиннее {n} символов", "The formula is longer than {n} characters", n=MAX_LENGTH
                ),
            )
        )
    return Formula(source, _Parser(source).parse())


def check(source: str) -> list[Problem]:
    """Problems of a formula found before any value is known: its syntax, and a part made of constants
    alone that cannot be computed (`1 / (2 - 2)`, a number beyond the limits)."""
    try:
        formula = parse(source)
        if _constant_parts(formula.tree):
            evaluate(formula, {})
    except FormulaError as error:
        return [error.problem]
    return []


def _constant_parts(node: Node) -> bool:
    """Whether `node` reads no name; each largest part that reads none is computed now, so that its
    division by zero or overflow is refused when the formula is saved rather than when it is paid."""
    if isinstance(node, Num):
        return True
    if isinstance(node, Name):
        return False
    children = (
        [node.operand]
        if isinstance(node, Unary)
        else [node.left, node.right]
        if isinstance(node, Binary)
        else list(node.args)
    )
    constant = [_constant_parts(child) for child in children]
    if all(constant) and not (isinstance(node, Call) and node.function in AGGREGATES):
        return True
    for child, is_constant in zip(children, constant, strict=True):
        if is_constant and not isinstance(child, Num):
            evaluate(Formula("", child), {})
    if (
        isinstance(node, Binary)
        and node.op == "/"
        and constant[1]
        and evaluate(Formula("", node.right), {}) == 0
    ):
        raise _fail("division_by_zero", node.position, "Деление на ноль", "Division by zero")
    return False


Aggregate = Callable[[str, str], Decimal]  # (function, name) -> value


def evaluate(formula: Formula, values: Mapping[str, Decimal], aggregate: Aggregate | None = None) -> Decimal:
    """Evaluate with exact Decimals. Raises FormulaError for a missing name, division by zero, or a
    value beyond the magnitude limit."""

    def guard(value: Decimal, position: int) -> Decimal:
        if not value.is_finite() or abs(value) > MAX_MAGNITUDE:
            raise _fail(
                "too_large",
                position,
                "Значение вне допустимых пределов (по модулю до 10^18)",
                "Value out of range (magnitude up to 10^18)",
            )
        return value

    def truth(value: Decimal) -> bool:
        return value != ZERO

    def run(node: Node) -> Decimal:
        if isinstance(node, Num):
            return guard(node.value, 0)
        if isinstance(node, Name):
            if node.name not in values:
                raise _fail(
                    "unknown_name",
                    node.position,
                    "Нет значения для «{name}»",
                    "No value for “{name}”",
                    name=node.name,
                )
            value = values[node.name]
            if value is None:
                raise _fail(
                    "missing_value",
                    node.position,
                    "Значение «{name}» не введено",
                    "The value of “{name}” is missing",
                    name=node.name,
                )
            return guard(value, node.position)
        if isinstance(node, Unary):
            operand = run(node.operand)
            if node.op == "-":
                return -operand
            return ONE if not truth(operand) else ZERO
        if isinstance(node, Binary):
            if node.op == "and":
                return ONE if truth(run(node.left)) and truth(run(node.right)) else ZERO
            if node.op == "or":
                return ONE if truth(run(node.left)) or truth(run(node.right)) else ZERO
            left, right = run(node.left), run(node.right)
            try:
                if node.op == "+":
                    result = CONTEXT.add(left, right)
                elif node.op == "-":
                    result = CONTEXT.subtract(left, right)
                elif node.op == "*":
                    result = CONTEXT.multiply(left, right)
                elif node.op == "/":
                    if right == 0:
                        raise _fail("division_by_zero", node.position, "Деление на ноль", "Division by zero")
                    result = CONTEXT.divide(left, right)
                else:
                    result = ONE if _compare(node.op, left, right) else ZERO
            except decimal.DecimalException:
                raise _fail(
                    "too_large", node.position, "Значение вне допустимых пределов", "Value out of range"
                ) from None
            return guard(result, node.position)
        return call(node)

    def call(node: Call) -> Decimal:
        name = node.function
        if name in AGGREGATES:
            if aggregate is None:
                raise _fail(
                    "no_group",
                    node.position,
                    "{name}() доступна только в схеме с группой",
                    "{name}() works only in a scheme with a group",
                    name=name,
                )
            argument = node.args[0]
            assert isinstance(argument, Name)
            return guard(aggregate(name, argument.name), node.position)
        if name == "if":
            return run(node.args[1]) if truth(run(node.args[0])) else run(node.args[2])
        args = [run(arg) for arg in node.args]
        if name == "min":
            return min(args)
        if name == "max":
            return max(args)
        if name == "abs":
            return abs(args[0])
        if name == "clamp":
            value, low, high = args
            if low > high:
                raise _fail(
                    "clamp_bounds",
                    node.position,
                    "clamp(): нижняя граница больше верхней",
                    "clamp(): the lower bound is above the upper",
                )
            return min(max(value, low), high)
        places = int(args[1]) if len(args) == 2 else 0
        if not 0 <= places <= 10:
            raise _fail(
                "round_places",
                node.position,
                "round(): знаков после запятой от 0 до 10",
                "round(): 0 to 10 decimal places",
            )
        return args[0].quantize(ONE.scaleb(-places), rounding=decimal.ROUND_HALF_UP, context=CONTEXT)

    return run(formula.tree)


def _compare(op: str, left: Decimal, right: Decimal) -> bool:
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "=": left == right,
        "!=": left != right,
    }[op]


def find_cycle(dependencies: Mapping[str, frozenset[str]]) -> list[str] | None:
    """A cycle among computed names (A uses B, B uses A), as the list of names around it, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for used in sorted(dependencies.get(name, frozenset())):
            if used not in dependencies:
                continue
            if state.get(used) == 1:
                return [*path[path.index(used) :], used]
            if used not in state:
                found = visit(used)
                if found:
                    return found
        path.pop()
        state[name] = 2
        return None

    for name in sorted(dependencies):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None
