package workers

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

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

// mailWords are what a notification's e-mail says.
type mailWords struct {
	HTMLLang, Greeting, Title, Body, Link, Footer, Signature string
}

// notificationMail is the e-mail of notification n (with its event's
// reasons) to name, in p's language and zone; link is the notifications
// page.
func notificationMail(p i18n.Printer, n models.Notification, reasons []models.Reason, name, link string) (Mail, error) {
	title, body := p.Notification(n, reasons)
	words := mailWords{HTMLLang: "en", Title: title, Body: body, Link: link,
		Greeting:  p.Render(msg.New(msg.MailGreeting, msg.Text("name", name))),
		Footer:    p.Render(msg.New(msg.MailFooter, msg.Text("url", link))),
		Signature: p.Render(msg.New(msg.MailSignature)),
	}
	if p.Lang() == i18n.ZH {
		words.HTMLLang = "zh-CN"
	}
	var text, html bytes.Buffer
	if err := mailText.Execute(&text, words); err != nil {
		return Mail{}, fmt.Errorf("render the text of notification %s: %w", n.ID, err)
	}
	if err := mailHTML.Execute(&html, words); err != nil {
		return Mail{}, fmt.Errorf("render the HTML of notification %s: %w", n.ID, err)
	}
	return Mail{Subject: title, Body: text.String(), HTML: html.String(), MessageID: n.ID}, nil
}
