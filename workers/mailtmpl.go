package workers

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"github.com/campusbiz/campusbiz/internal/i18n"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/msg"
)

//go:embed mail/*
var mailFS embed.FS

// The e-mail of a notification: a plain-text and an HTML template over the
// same words, which come from the catalogs in the recipient's language.
var (
	mailText = texttemplate.Must(texttemplate.ParseFS(mailFS, "mail/notification.txt"))
	mailHTML = htmltemplate.Must(htmltemplate.ParseFS(mailFS, "mail/notification.html"))
)

// mailWords are what a notification's e-mail says; Code, when set, is an
// onboarding code shown on a line of its own.
type mailWords struct {
	HTMLLang, Greeting, Title, Body, Code, Link, Footer, Signature string
}

// notificationMail is the e-mail of notification n (with its event's
// reasons) to name, in p's language and zone; link is the notifications
// page.
func notificationMail(p i18n.Printer, n models.Notification, reasons []models.Reason, name, link string) (Mail, error) {
	title, body := p.Notification(n, reasons)
	return renderMail(p, mailWords{Title: title, Body: body}, name, link, n.ID)
}

// codeMail is the e-mail carrying the onboarding code code (valid until
// expires) to name, in p's language and zone; link is the onboarding page,
// messageID the message's id.
func codeMail(p i18n.Printer, code string, expires time.Time, name, link, messageID string) (Mail, error) {
	words := mailWords{
		Title: p.Render(msg.New(msg.MailCodeSubject, msg.Text("code", code))),
		Body: p.Render(msg.New(msg.MailCodeBody, msg.Text("code", code), msg.Time("expires", expires))) + " " +
			p.Render(msg.New(msg.MailCodeIgnore)),
		Code:   code,
		Footer: p.Render(msg.New(msg.MailCodeFooter, msg.Text("url", link))),
	}
	return renderMail(p, words, name, link, messageID)
}

// renderMail completes words (greeting to name, footer pointing at link,
// unless set, signature, language) and renders both parts of the e-mail messageID.
func renderMail(p i18n.Printer, words mailWords, name, link, messageID string) (Mail, error) {
	words.HTMLLang, words.Link = "en", link
	words.Greeting = p.Render(msg.New(msg.MailGreeting, msg.Text("name", name)))
	if words.Footer == "" {
		words.Footer = p.Render(msg.New(msg.MailFooter, msg.Text("url", link)))
	}
	words.Signature = p.Render(msg.New(msg.MailSignature))
	if p.Lang() == i18n.ZH {
		words.HTMLLang = "zh-CN"
	}
	var text, html bytes.Buffer
	if err := mailText.Execute(&text, words); err != nil {
		return Mail{}, fmt.Errorf("render the text of mail %s: %w", messageID, err)
	}
	if err := mailHTML.Execute(&html, words); err != nil {
		return Mail{}, fmt.Errorf("render the HTML of mail %s: %w", messageID, err)
	}
	return Mail{Subject: words.Title, Body: text.String(), HTML: html.String(), MessageID: messageID}, nil
}
