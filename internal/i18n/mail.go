package i18n

import (
	"maps"

	"github.com/campusbiz/campusbiz/workflows/msg"
)

// The words around a notification in its e-mail (workers' templates).
var (
	enMail = map[string]string{
		msg.MailGreeting:    "Hello {name},",
		msg.MailFooter:      "All your notifications: {url}",
		msg.MailSignature:   "Tomorrow's Online Merchants",
		msg.MailCodeSubject: "Your campusbiz verification code: {code}",
		msg.MailCodeBody:    "Your code to confirm this college e-mail address is {code}. It works once, until {expires:time}.",
		msg.MailCodeFooter:  "Enter it on your student verification page: {url}",
		msg.MailCodeIgnore:  "If you did not sign up for Tomorrow's Online Merchants, ignore this e-mail: nobody can use your address without this code.",
	}
	zhMail = map[string]string{
		msg.MailGreeting:    "{name}，您好：",
		msg.MailFooter:      "查看全部通知：{url}",
		msg.MailSignature:   "明日网商",
		msg.MailCodeSubject: "明日网商邮箱验证码：{code}",
		msg.MailCodeBody:    "您用于确认学校邮箱的验证码是 {code}，仅可使用一次，有效期至 {expires:time}。",
		msg.MailCodeFooter:  "请在学生认证页面输入验证码：{url}",
		msg.MailCodeIgnore:  "如果您没有报名明日网商项目，请忽略本邮件：没有这个验证码，任何人都无法使用您的邮箱。",
	}
)

func init() {
	maps.Copy(catalogs[EN], enMail)
	maps.Copy(catalogs[ZH], zhMail)
}
