"""Progress reporting (调度): periods, offices, fill-in sheets, their import, warning lights and rates."""
