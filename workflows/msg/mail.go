package msg

// E-mail: the words around a notification in its e-mail.
const (
	// MailGreeting opens an e-mail to {name}.
	MailGreeting = "mail.greeting"
	// MailFooter points to the notifications page at {url}.
	MailFooter = "mail.footer"
	// MailSignature signs an e-mail with the programme's name.
	MailSignature = "mail.signature"
	// MailCodeSubject is the subject of the onboarding code's e-mail, {code}
	// in it.
	MailCodeSubject = "mail.code_subject"
	// MailCodeBody gives the {code} and when it lapses ({expires}).
	MailCodeBody = "mail.code_body"
	// MailCodeIgnore tells a reader who did not ask for the code to ignore it.
	MailCodeIgnore = "mail.code_ignore"
	// MailCodeFooter points to the onboarding page at {url}, where the code
	// is entered.
	MailCodeFooter = "mail.code_footer"
)
