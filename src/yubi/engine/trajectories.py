"""Streaming raw trajectories to Parquet, one row group per chunk.

One row per trajectory and month: ``trajectory`` (its global index), ``scenario``, ``month``
(``YYYY-MM``), then one column per output in its declared unit. Load with
``pandas.read_parquet``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from yubi.errors import UsageError

if TYPE_CHECKING:
    from yubi.case.model import Case
    from yubi.engine.simulate import ChunkLayout

__all__ = ["TrajectoryWriter"]


class TrajectoryWriter:
    """Writes chunks of trajectories to one Parquet file as they finish."""

    def __init__(self, path: str | Path, case: Case) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = Path(path)
        if self.path.suffix.lower() != ".parquet":
            raise UsageError(f"--trajectories needs a .parquet file, got {self.path.name!r}")
        self.case = case
        fields = [
            pa.field("trajectory", pa.int64()),
            pa.field("scenario", pa.dictionary(pa.int8(), pa.string())),
            pa.field("month", pa.dictionary(pa.int16(), pa.string())),
        ] + [pa.field(output.id, pa.float64()) for output in case.outputs]
        self.schema = pa.schema(fields)
        self._pa = pa
        self._writer: Any = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self._scenario_names = pa.array([s.id for s in case.scenarios], pa.string())
        self._month_names = pa.array(list(case.months), pa.string())

    def write(self, first_trajectory: int, layout: ChunkLayout, values: np.ndarray) -> None:
        """Append one chunk; ``values`` is (months, outputs, trajectories) in layout order."""
        pa = self._pa
        months, outputs, rows = values.shape
        trajectory = np.repeat(first_trajectory + layout.order, months)
        scenario = np.repeat(layout.scenario.astype(np.int8), months)
        month = np.tile(np.arange(months, dtype=np.int16), rows)
        columns = [
            pa.array(trajectory),
            pa.DictionaryArray.from_arrays(pa.array(scenario), self._scenario_names),
            pa.DictionaryArray.from_arrays(pa.array(month), self._month_names),
        ]
        # values[m, o, t] → row (t, m): transpose to trajectories-major.
        per_output = values.transpose(1, 2, 0).reshape(outputs, rows * months)
        columns += [pa.array(per_output[o]) for o in range(outputs)]
        self._writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))

    def close(self) -> None:
        self._writer.close()
