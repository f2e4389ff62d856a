"""The weekly report: one ISO week's figures (dashboard.report.model), rendered as HTML (the
source of the PDF too), PDF, XLSX, a zip of CSV tables and HXL-tagged CSV for HDX."""
