"""Pipeline stages, one module each: ``NAME``, ``ORDER`` and ``run(ctx: StageContext) -> StageReport``.

Order: discover (10) → fetch (20) → extract (30) → tag (40) → cluster (50) → alerts (60).
"""
