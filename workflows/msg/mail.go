package msg

// E-mail: the words around a notification in its e-mail.
const (
	// MailGreeting opens an e-mail to {name}.
	MailGreeting = "mail.greeting"
	// MailFooter points to the notifications page at {url}.
	MailFooter = "mail.footer"
	// MailSignature signs an e-mail with the programme's name.
	MailSignature = "mail.signature"
)
