package i18n

import (
	"fmt"
	"strings"
	"sync"

	"github.com/campusbiz/campusbiz/workflows/msg"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The catalogs (en.go, zh.go, timeline.go, mail.go) are loaded into a
// golang.org/x/text/message catalog, which picks each code's template for
// the printer's language and, in English, the plural form its count
// needs; the Printer then fills the template's named parameters.

// pluralForm is an English template whose words follow a count: param is
// the parameter counted and one the template when it is 1 (the catalog's
// template serves every other count). Chinese has no plural forms.
type pluralForm struct {
	param, one string
}

// plurals are the English templates that agree with a count.
var plurals = map[string]pluralForm{
	msg.FieldTooLong:          {"max", "must be at most {max} character"},
	msg.FieldTooShort:         {"min", "must be at least {min} character"},
	msg.FieldTooFew:           {"min", "must have at least {min} item"},
	msg.FieldTooMany:          {"max", "must have at most {max} item"},
	msg.ShopPageRedirects:     {"max", "The shop page redirects more than {max} time; check that the shop address is your shop's public page, then ask for a new check."},
	msg.ShopPageUnreachable:   {"tries", "We could not reach your shop page after {tries} try; check that the shop address is your shop's public page, then ask for a new check."},
	msg.FundPanelTooSmall:     {"min", "must list at least {min} reviewer, the reviewers per application"},
	msg.FundRejectedByReviews: {"required", "{rejections} of {reviews} reviews rejected the application; it needed {required} approval."},
	msg.FundScorePlan:         {"chars", "Business plan of {chars} character (full points from {full})"},
	msg.FundScoreShop:         {"days", "Shop verified for {days} day (full points from {full})"},
}

// tags are the languages' BCP 47 tags.
var tags = map[Lang]language.Tag{EN: language.English, ZH: language.SimplifiedChinese}

var (
	loadOnce sync.Once
	// printers print each language's templates from the catalog.
	printers map[Lang]*message.Printer
)

// load builds the x/text catalog from the catalogs, once (after every
// file's init has added its codes).
func load() {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for lang, templates := range catalogs {
		for code, tmpl := range templates {
			if err := set(b, lang, code, tmpl); err != nil {
				panic(fmt.Sprintf("i18n: the %s template of %s: %v", lang, code, err)) // static data; TestCatalogLoads covers it
			}
		}
	}
	printers = make(map[Lang]*message.Printer, len(tags))
	for lang, tag := range tags {
		printers[lang] = message.NewPrinter(tag, message.Catalog(b))
	}
}

// set adds lang's template of code to b: a "%" stands for itself (the
// catalog reads templates as formats), and an English plural form selects
// by the first argument.
func set(b *catalog.Builder, lang Lang, code, tmpl string) error {
	escape := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	if form, ok := plurals[code]; ok && lang == EN {
		return b.Set(tags[lang], code, plural.Selectf(1, "%d", "=1", escape(form.one), "other", escape(tmpl)))
	}
	return b.SetString(tags[lang], code, escape(tmpl))
}

// template is the printer's template of m, its plural form chosen by m's
// count; ok is false when the code has none.
func (p Printer) template(m msg.Message) (string, bool) {
	if !p.Has(m.Code) {
		return "", false
	}
	loadOnce.Do(load)
	var args []any
	if form, ok := plurals[m.Code]; ok && p.Lang() == EN {
		n, ok := asInt(m.Params[form.param])
		if !ok {
			n = 2 // a missing count reads as many
		}
		args = append(args, n)
	}
	return printers[p.Lang()].Sprintf(m.Code, args...), true
}
