package i18n

import (
	"maps"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// The words around a notification in its e-mail (workers' templates).
var (
	enMail = map[string]string{
		msg.MailGreeting:  "Hello {name},",
		msg.MailFooter:    "All your notifications: {url}",
		msg.MailSignature: "Tomorrow's Online Merchants",
	}
	zhMail = map[string]string{
		msg.MailGreeting:  "{name}，您好：",
		msg.MailFooter:    "查看全部通知：{url}",
		msg.MailSignature: "明日网商",
	}
)

func init() {
	maps.Copy(catalogs[EN], enMail)
	maps.Copy(catalogs[ZH], zhMail)
}
