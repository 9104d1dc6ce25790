"""Analysis for the notebooks and dashboards: frames in, frames (or plain values) out.

* :mod:`~mynalib.analysis.pension` — months per scheme, months toward the full 老齢基礎年金,
  missing months that may still be paid, a labelled estimate of the annual amount;
* :mod:`~mynalib.analysis.drugs` — medicine timelines, counts, overlapping prescriptions;
* :mod:`~mynalib.analysis.checkups` — 特定健診 items, judgements against the thresholds, trends;
* :mod:`~mynalib.analysis.medical` — monthly medical spending, top providers, the cumulative curve.

These modules read frames and the tax rule table only: no widgets, charts, plotting, command
line, vault or portal. Import the submodule you need (``from mynalib.analysis import pension``);
nothing is loaded here.
"""
