package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// Enqueue writes task to the outbox inside tx and returns the outbox id, which
// becomes the Asynq task id. Nothing reaches Redis unless tx commits; an
// insert trigger wakes the relays (NOTIFY is delivered on commit only).
func Enqueue(ctx context.Context, tx *gorm.DB, task Task) (string, error) {
	payload, err := json.Marshal(task.Payload)
	if err != nil {
		return "", fmt.Errorf("enqueue %s: marshal payload: %w", task.Type, err)
	}
	if task.Queue == "" {
		task.Queue = QueueDefault
	}
	if _, ok := QueueWeights[task.Queue]; !ok {
		return "", fmt.Errorf("enqueue %s: unknown queue %q", task.Type, task.Queue)
	}
	if task.Timeout <= 0 {
		task.Timeout = 30 * time.Second
	}
	row := models.OutboxRow{
		ID:             models.NewID(),
		TaskType:       task.Type,
		Payload:        payload,
		Queue:          task.Queue,
		ProcessAt:      task.ProcessAt,
		MaxRetry:       task.MaxRetry,
		TimeoutSeconds: int(task.Timeout.Seconds()),
	}
	if row.ProcessAt.IsZero() {
		row.ProcessAt = time.Now().UTC()
	}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("enqueue %s: %w", task.Type, err)
	}
	return row.ID, nil
}
