package web

// Text is the catalog's text for key in lang, for the tests.
var Text = text
