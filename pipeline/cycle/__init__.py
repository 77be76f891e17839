"""The officer's yearly cycle: workbook, new year, live preview."""
