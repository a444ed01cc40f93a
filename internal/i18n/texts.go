package i18n

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Texts are fixed words by key (the pages' labels, headings and buttons),
// in English and Chinese, served through an x/text catalog like the
// messages. A text is returned as written: a printf verb in it ("%d") is
// left for its caller to fill.
type Texts struct {
	printers map[Lang]*message.Printer
	keys     map[string]bool
}

// NewTexts loads texts (key → {English, Chinese}) into a catalog.
func NewTexts(texts map[string][2]string) (*Texts, error) {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	t := &Texts{printers: map[Lang]*message.Printer{}, keys: make(map[string]bool, len(texts))}
	for key, words := range texts {
		for i, lang := range []Lang{EN, ZH} {
			if err := set(b, lang, key, words[i]); err != nil {
				return nil, fmt.Errorf("the %s text of %s: %w", lang, key, err)
			}
		}
		t.keys[key] = true
	}
	for lang, tag := range tags {
		t.printers[lang] = message.NewPrinter(tag, message.Catalog(b))
	}
	return t, nil
}

// Text is key in lang (English when lang has no catalog); an unknown key
// shows itself, so that it is noticed.
func (t *Texts) Text(lang Lang, key string) string {
	if !t.keys[key] {
		return key
	}
	p, ok := t.printers[lang]
	if !ok {
		p = t.printers[EN]
	}
	return p.Sprintf(key)
}
