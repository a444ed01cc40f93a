package workflows

import (
	"fmt"
	"strings"
)

// entityTitles names each workflow for people.
var entityTitles = map[string]string{
	"onboarding":  "Student verification",
	"shop":        "Shop verification",
	"fund":        "Fund application",
	"internship":  "Internship application",
	"enrollment":  "Course enrollment",
	"certificate": "Certificate",
}

// NotificationText renders the title and body that tell an applicant about
// one state change. It uses only the event, so a notification can be
// rendered from ids alone.
func NotificationText(entityType, toState, reason string) (title, body string) {
	name, ok := entityTitles[entityType]
	if !ok {
		name = entityType
	}
	state := strings.ReplaceAll(toState, "_", " ")
	title = fmt.Sprintf("%s: %s", name, state)
	body = fmt.Sprintf("Your %s is now %s.", strings.ToLower(name), state)
	if reason != "" {
		body += " " + reason
	}
	return title, body
}
