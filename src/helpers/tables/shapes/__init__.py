"""One interpreter per table shape (catalog `TableDef.kind`), whatever the layout the rows came from."""
