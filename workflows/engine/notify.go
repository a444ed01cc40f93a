package engine

// TypeNotifySend e-mails one in-app notification; Advance enqueues it when
// e-mail is on.
const TypeNotifySend = "notify:send"

// NotifySendPayload names the notification (by its event and account) to
// deliver by e-mail.
type NotifySendPayload struct {
	EventID   int64  `json:"event_id"`
	AccountID string `json:"account_id"`
}

func notifySendTask(eventID int64, accountID string) Task {
	return Task{Type: TypeNotifySend, Payload: NotifySendPayload{EventID: eventID, AccountID: accountID}}
}
