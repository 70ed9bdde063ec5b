"""Small seed directories written by tests (not copied from the source plans)."""

from __future__ import annotations

import shutil
from pathlib import Path

from portfolio.paths import seeds_dir

SMALL_PLAN = """\
plan:
  key: test-plan
  code_prefix: TP
  title: 测试县城建设规划
  issuer: 测试单位
  region: 昌都市
  period: [2021, 2025]
  issued: 2021-06-01
  document_kind: 专项规划
  source: test.txt
columns:
  - number: 2
    title: 供水工程
    kind: projects
    line: 10
    sector: water_supply
    groups:
      - label: 芒康县
        line: 11
        county: 芒康
        items:
          - {code: TP-02-001, name: 芒康县测试水厂, line: 11}
          - {code: TP-02-002, name: 芒康县测试管网工程, line: 11, build: 改扩建}
      - label: 多县
        line: 12
        items:
          - code: TP-02-003
            name: 测试供水一体化项目
            kind: programme
            counties: [江达县, 贡觉县, 左贡]
            quantity: 3项
            line: 12
"""


def make_seed_dir(root: Path, plan_text: str = SMALL_PLAN, name: str = "test-plan.yaml") -> Path:
    """A seeds directory with the shipped gazetteer and sectors and one small plan."""
    target = root / "seeds"
    (target / "plans").mkdir(parents=True)
    (target / "indicators").mkdir()
    for file in ("divisions.csv", "sectors.csv"):
        shutil.copy(seeds_dir() / file, target / file)
    (target / "plans" / name).write_text(plan_text, encoding="utf-8")
    return target
