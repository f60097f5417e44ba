"""What people read: the report's words (``text``), display tables (``tables``), the HTML they are
rendered into (``html``), the export payload and table files (``export``), money and number
formats (``format``), pseudonyms (``anonymise``), and the pruning and journal sections.

This package only groups modules; import from them directly."""
