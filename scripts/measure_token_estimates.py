"""Measure the hook's token estimates and the simulator's tokenizer against a real Claude one.

Anthropic has not published the Claude 3 / 4 tokenizers. The only public Claude tokenizer is
the ``tokenizer.json`` that ``anthropic`` releases up to 0.38.0 ship (0.39.0 dropped it); its
own docstring calls it accurate for ``claude-2.1`` and a rough estimate for newer models. The
numbers printed here are therefore the estimator's error against that proxy, not against the
tokenizer of the model actually called.

Measurement-only dependencies, kept out of the project (a throwaway venv is enough)::

    python3 -m venv /tmp/measure-venv
    /tmp/measure-venv/bin/pip install -e . tokenizers "anthropic==0.38.0"
    /tmp/measure-venv/bin/python scripts/measure_token_estimates.py

The corpus is built locally, with no network, from a fixed seed:

- prose: the Python language reference shipped as ``pydoc_data.topics`` and stdlib docstrings;
- code: stdlib ``.py`` sources, cut at line ends into 200-4,000 character chunks;
- json: botocore ``service-2.json`` operations rewritten as Converse ``toolSpec`` blocks
  (200-3,000 characters of compact JSON, measured exactly as the hook encodes them);
- non-ascii: one paragraph each, written for this script, in twelve languages (ten
  scripts) plus one of symbols and emoji.

For each sample it compares ``text_tokens`` (or ``json_tokens`` of the compact JSON length),
and the simulator's ``count_text``, with the reference count, then does the same for
cumulative prefixes of roughly 1,000-5,000 reference tokens built from random samples (the
planner only compares cumulative prefix estimates with model minimums such as 1,024 / 2,048
/ 4,096); the "mixed" prefixes draw each sample from a category picked uniformly. Ratios
are estimate / actual. It runs in a few seconds; the corpus depends on the Python and
botocore versions, which it prints.
"""

# ruff: noqa: RUF001  (the non-ASCII sample text is deliberate)
from __future__ import annotations

import ast
import gzip
import importlib.metadata
import importlib.resources
import json
import random
import re
import statistics
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from pydoc_data.topics import topics
from typing import Any

import botocore

from bedrock_cache_hook.request.tokens import json_tokens, text_tokens
from bedrock_cache_hook.sim.tokenizer import count_text

SEED = 20240601
SAMPLES_PER_CATEGORY = 400
SOURCE_FILES = 150
SERVICES = 60
PREFIX_TRIALS = 400
PREFIX_TARGET = (1000, 5000)

NON_ASCII = {
    "zh": "缓存提示可以显著降低长对话的成本和延迟。当同一个系统提示在多次请求中"
    "重复出现时，模型只需要在第一次处理完整的前缀，之后的请求可以直接读取缓存。"
    "不过，只有当前缀达到模型规定的最小长度时，缓存点才会生效，因此在发送请求之前"
    "准确估计令牌数量非常重要。",
    "ja": "プロンプトキャッシュを使うと、同じシステムプロンプトやツール定義を何度も"
    "送る場合の費用と待ち時間を減らせます。ただし、キャッシュポイントより前の部分が"
    "モデルごとの最小トークン数に達していないと、何も書き込まれません。そのため、"
    "送信前にトークン数をおおまかに見積もる必要があります。",
    "ko": "프롬프트 캐싱은 긴 시스템 프롬프트와 도구 정의를 반복해서 보내는 "
    "애플리케이션의 비용을 줄여 줍니다. 캐시 지점 앞의 내용이 모델의 최소 토큰 수보다 "
    "짧으면 캐시가 만들어지지 않습니다. 따라서 요청을 보내기 전에 토큰 수를 빠르게 "
    "추정하는 것이 중요합니다.",
    "ru": "Кэширование подсказок снижает стоимость и задержку, когда одно и то же длинное "
    "системное сообщение отправляется много раз подряд. Точка кэширования срабатывает "
    "только тогда, когда префикс перед ней достигает минимальной длины, установленной для "
    "модели. Поэтому библиотека оценивает число токенов до отправки запроса, не вызывая "
    "сам токенизатор.",
    "el": "Η προσωρινή αποθήκευση των προτροπών μειώνει το κόστος όταν το ίδιο μεγάλο μήνυμα "
    "συστήματος στέλνεται ξανά και ξανά. Το σημείο αποθήκευσης ισχύει μόνο αν το πρόθεμα φτάνει "
    "το ελάχιστο μήκος του μοντέλου. Γι' αυτό χρειάζεται μια γρήγορη εκτίμηση του αριθμού των "
    "διακριτικών πριν από κάθε αίτημα.",
    "ar": "يقلل التخزين المؤقت للموجّهات من التكلفة وزمن الاستجابة عندما تُرسَل رسالة النظام الطويلة "
    "نفسها مرات عديدة. لا تعمل نقطة التخزين إلا إذا بلغ الجزء الذي يسبقها الحد الأدنى لعدد الرموز "
    "الذي يحدده النموذج. لذلك نقدّر عدد الرموز بسرعة قبل إرسال كل طلب.",
    "hi": "प्रॉम्प्ट कैशिंग से लागत और प्रतीक्षा समय दोनों कम होते हैं, जब एक ही लंबा सिस्टम संदेश बार-बार "
    "भेजा जाता है। कैश बिंदु तभी काम करता है जब उससे पहले का भाग मॉडल की न्यूनतम टोकन सीमा तक "
    "पहुँचता है। इसलिए अनुरोध भेजने से पहले टोकन की संख्या का तेज़ अनुमान लगाना ज़रूरी है।",
    "he": "שמירת הנחיות במטמון מפחיתה את העלות ואת זמן ההמתנה כאשר אותה הודעת מערכת ארוכה נשלחת "
    "שוב ושוב. נקודת המטמון פועלת רק אם הקטע שלפניה מגיע לאורך המינימלי שהמודל דורש. לכן "
    "מעריכים את מספר האסימונים במהירות לפני כל בקשה.",
    "th": "การแคชพรอมต์ช่วยลดต้นทุนและเวลาแฝงเมื่อส่งข้อความระบบที่ยาวเหมือนเดิมซ้ำหลายครั้ง "
    "จุดแคชจะทำงานก็ต่อเมื่อส่วนก่อนหน้ามีจำนวนโทเค็นถึงขั้นต่ำที่โมเดลกำหนด "
    "ดังนั้นจึงต้องประมาณจำนวนโทเค็นอย่างรวดเร็วก่อนส่งคำขอ",
    "de": "Das Zwischenspeichern von Prompts senkt Kosten und Wartezeit, wenn dieselbe lange "
    "Systemnachricht immer wieder gesendet wird. Ein Cache-Punkt greift nur, wenn der Abschnitt "
    "davor die Mindestlänge des Modells erreicht. Deshalb schätzt die Bibliothek die Anzahl der "
    "Token vor jeder Anfrage, ohne einen Tokenizer aufzurufen – schnell, grob und ausreichend.",
    "fr": "La mise en cache des invites réduit le coût et la latence lorsque le même long message "
    "système est envoyé à plusieurs reprises. Un point de cache n'a d'effet que si le préfixe qui "
    "le précède atteint la longueur minimale fixée par le modèle. C'est pourquoi la bibliothèque "
    "estime le nombre de jetons avant chaque requête, sans appeler de tokeniseur : c'est rapide.",
    "vi": "Bộ nhớ đệm lời nhắc giúp giảm chi phí và độ trễ khi cùng một thông điệp hệ thống dài "
    "được gửi nhiều lần. Điểm lưu đệm chỉ có hiệu lực khi phần đứng trước nó đạt độ dài tối thiểu "
    "của mô hình. Vì vậy, thư viện ước lượng nhanh số lượng token trước mỗi yêu cầu.",
    "emoji": "Status: ✅ cache write 2 048 tokens → 💸 saved 90 % on reads; ⚠️ prefix 1 023 < "
    "minimum 1 024 — no cache point; ❌ retry… “quoted” ‘text’ © 2024 • 10 °C ± 0,5 µs → ∑ ≈ ∞ "
    "🚀🎉 «ok» ¿sí? ½ ¼ ¾ ™ ® § ¶ † ‡ ‰ ′ ″ ← ↑ ↓ ⇒ ⇔ ∀ ∃ ∈ ∉ ∩ ∪ ⊂ ⊃ ≤ ≥ ≠ 🙂👍🏽",
}

_TAGS = re.compile(r"<[^>]+>")
_JSON_TYPES = {
    "structure": "object",
    "list": "array",
    "map": "object",
    "integer": "integer",
    "long": "integer",
    "double": "number",
    "float": "number",
    "boolean": "boolean",
}


def load_tokenizer() -> tuple[Any, str]:
    """The Claude 2 era tokenizer shipped inside old ``anthropic`` releases, or exit."""
    try:
        from tokenizers import Tokenizer  # noqa: PLC0415  (optional: fail with a message)
    except ImportError:
        sys.exit("needs the 'tokenizers' package: pip install tokenizers")
    try:
        resource = importlib.resources.files("anthropic").joinpath("tokenizer.json")
        raw = resource.read_text(encoding="utf-8")
    except (ImportError, FileNotFoundError):
        sys.exit(
            "needs an 'anthropic' release that ships tokenizer.json (<= 0.38.0): "
            "pip install 'anthropic==0.38.0'"
        )
    version = importlib.metadata.version("anthropic")
    return Tokenizer.from_str(raw), f"anthropic {version} tokenizer.json"


def chunks(text: str, rng: random.Random, low: int = 200, high: int = 4000) -> Iterator[str]:
    """Cut at line ends into pieces of a random target size in [low, high] characters."""
    buffer: list[str] = []
    size, target = 0, rng.randint(low, high)
    for line in text.splitlines(keepends=True):
        buffer.append(line)
        size += len(line)
        if size >= target:
            yield "".join(buffer)[:high]
            buffer, size, target = [], 0, rng.randint(low, high)
    if size >= low:
        yield "".join(buffer)


def stdlib_sources(rng: random.Random) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        path
        for path in root.rglob("*.py")
        if not {"site-packages", "test", "tests", "idle_test"} & set(path.relative_to(root).parts)
    )
    return rng.sample(files, min(SOURCE_FILES, len(files)))


def prose_corpus(files: list[Path], rng: random.Random) -> list[str]:
    texts = [topics[key] for key in sorted(topics)]
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                doc = ast.get_docstring(node)
                if doc and len(doc) >= 300:
                    texts.append(doc)
    return [piece for text in texts for piece in chunks(text, rng)]


def code_corpus(files: list[Path], rng: random.Random) -> list[str]:
    return [piece for path in files for piece in chunks(path.read_text("utf-8", "replace"), rng)]


def _plain(html: str) -> str:
    return " ".join(_TAGS.sub("", html).split())


def tool_spec(name: str, operation: dict[str, Any], shapes: dict[str, Any]) -> str | None:
    """One operation as a Converse toolSpec, encoded as the hook encodes JSON blocks."""
    input_shape = shapes.get(operation.get("input", {}).get("shape", ""), {})
    properties: dict[str, Any] = {}
    for member, ref in input_shape.get("members", {}).items():
        target = shapes.get(ref["shape"], {})
        prop: dict[str, Any] = {"type": _JSON_TYPES.get(target.get("type", ""), "string")}
        description = _plain(ref.get("documentation") or target.get("documentation", ""))
        if description:
            prop["description"] = description
        if "enum" in target:
            prop["enum"] = target["enum"]
        properties[member] = prop
    schema = {
        "type": "object",
        "properties": properties,
        "required": [m for m in input_shape.get("required", []) if m in properties],
    }
    spec = {
        "name": name,
        "description": _plain(operation.get("documentation", ""))[:1500],
        "inputSchema": {"json": schema},
    }
    while True:
        encoded = json.dumps({"toolSpec": spec}, sort_keys=True, separators=(",", ":"))
        if len(encoded) <= 3000 or not properties:
            break
        properties.popitem()
        schema["required"] = [m for m in schema["required"] if m in properties]
    return encoded if 200 <= len(encoded) <= 3000 else None


def json_corpus(rng: random.Random) -> list[str]:
    root = Path(botocore.__file__).parent / "data"
    models = sorted(root.glob("*/*/service-2.json*"))
    samples: list[str] = []
    for path in rng.sample(models, min(SERVICES, len(models))):
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        model = json.loads(raw)
        for name in sorted(model.get("operations", {})):
            encoded = tool_spec(name, model["operations"][name], model.get("shapes", {}))
            if encoded:
                samples.append(encoded)
    return samples


def stats(pairs: list[tuple[int, int]]) -> str:
    ratios = [estimate / actual for estimate, actual in pairs]
    deciles = statistics.quantiles(ratios, n=10) if len(ratios) > 1 else ratios * 9
    mape = 100 * statistics.fmean(abs(e - a) / a for e, a in pairs)
    return (
        f"{len(pairs):>5} {statistics.median(ratios):>7.3f} {deciles[0]:>6.3f} "
        f"{deciles[8]:>6.3f} {min(ratios):>6.3f} {max(ratios):>6.3f} {mape:>6.1f}"
    )


def prefixes(pools: list[list[tuple[int, int]]], rng: random.Random) -> list[tuple[int, int]]:
    """Cumulative (estimate, actual) of random samples drawn until a random target is reached."""
    out: list[tuple[int, int]] = []
    for _ in range(PREFIX_TRIALS):
        target, estimate, actual = rng.randint(*PREFIX_TARGET), 0, 0
        while actual < target:
            e, a = rng.choice(rng.choice(pools))
            estimate, actual = estimate + e, actual + a
        out.append((estimate, actual))
    return out


def main() -> None:
    tokenizer, source = load_tokenizer()

    rng = random.Random(SEED)
    files = stdlib_sources(rng)
    corpora = {
        "prose": prose_corpus(files, rng),
        "code": code_corpus(files, rng),
        "json": json_corpus(rng),
        "non-ascii": list(NON_ASCII.values()),
    }
    pairs: dict[str, list[tuple[int, int]]] = {}
    simulated: dict[str, list[tuple[int, int]]] = {}
    for category, corpus in corpora.items():
        texts = corpus
        if len(texts) > SAMPLES_PER_CATEGORY:
            texts = rng.sample(corpus, SAMPLES_PER_CATEGORY)
        actual = [len(encoding.ids) for encoding in tokenizer.encode_batch(texts)]
        estimate = [json_tokens(len(t)) if category == "json" else text_tokens(t) for t in texts]
        pairs[category] = list(zip(estimate, actual, strict=True))
        # the simulator's tokenizer on the same texts (compact JSON is tokenized as text)
        simulated[category] = list(zip([count_text(t) for t in texts], actual, strict=True))

    print(
        f"reference: {source}; python {sys.version.split()[0]}; botocore {botocore.__version__}"
        f"; seed {SEED}"
    )
    print("ratio = estimate / actual; MAPE = mean |estimate - actual| / actual, in %")
    print(
        f"{'category':<10} {'level':<7} {'n':>5} {'median':>7} {'p10':>6} {'p90':>6} "
        f"{'min':>6} {'max':>6} {'MAPE%':>6}"
    )
    for label, table in (("hook estimate", pairs), ("simulator count", simulated)):
        print(f"-- {label} / reference")
        for category, rows in table.items():
            print(f"{category:<10} {'sample':<7} {stats(rows)}")
            print(f"{category:<10} {'prefix':<7} {stats(prefixes([rows], rng))}")
        print(f"{'mixed':<10} {'prefix':<7} {stats(prefixes(list(table.values()), rng))}")
    print(
        "non-ascii per sample (estimate/actual): "
        + ", ".join(
            f"{lang} {e}/{a}" for lang, (e, a) in zip(NON_ASCII, pairs["non-ascii"], strict=True)
        )
    )


if __name__ == "__main__":
    main()
