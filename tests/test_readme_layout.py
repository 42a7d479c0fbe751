"""The README's layout map names every module of the package, so it is where a newcomer looks."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def layout_section() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Layout"):]
    return section[:section.index("\n## ", 1)] if "\n## " in section[1:] else section


def test_the_layout_names_every_module():
    names = set(re.findall(r"[\w]+\.py", layout_section()))
    modules = sorted(path.relative_to(ROOT) for path in (ROOT / "insight_dash").rglob("*.py")
                     if path.name != "__init__.py" or path.parent.name == "insight_dash")
    assert [str(module) for module in modules if module.name not in names] == []


def test_the_layout_names_every_package():
    section = layout_section()
    packages = sorted(path.parent.relative_to(ROOT / "insight_dash") for path in (ROOT / "insight_dash").rglob(
        "__init__.py") if path.parent != ROOT / "insight_dash")
    assert [str(package) for package in packages if f"{package.name}/" not in section] == []
