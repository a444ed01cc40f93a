package seed

import (
	"context"
	"fmt"

	"github.com/campusbiz/campusbiz/models"
	"gorm.io/gorm"
)

// CourseRecord is one of the programme's shipped courses.
type CourseRecord struct {
	Title       string
	Description string
	// PassScore is the lowest passing score out of 100.
	PassScore int
}

// Courses returns the programme's e-commerce courses.
func Courses() []CourseRecord {
	return []CourseRecord{
		{
			Title:       "网店开设 Opening Your Online Shop",
			Description: "Choose a category, register and set up a shop, write listings that convert, price products and pass the platform's shop review.",
			PassScore:   60,
		},
		{
			Title:       "商品摄影 Product Photography",
			Description: "Light, shoot and edit product photos and short videos with a phone; main images, detail pages and the platform's image rules.",
			PassScore:   60,
		},
		{
			Title:       "客户服务 Customer Service",
			Description: "Answer pre-sale questions, handle returns, refunds and complaints, and keep ratings high within the platform's service standards.",
			PassScore:   70,
		},
		{
			Title:       "物流与仓储 Logistics and Fulfilment",
			Description: "Pick couriers, pack and ship on time, track parcels, manage stock and handle lost or damaged goods.",
			PassScore:   60,
		},
		{
			Title:       "网店营销 E-commerce Marketing",
			Description: "Plan promotions and festival campaigns, use search and paid traffic, live-stream selling and social sharing, and read the shop's data.",
			PassScore:   60,
		},
	}
}

// LoadCourses inserts the shipped courses that are not there yet (by
// title) and returns how many it inserted.
func LoadCourses(ctx context.Context, db *gorm.DB) (int, error) {
	inserted := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range Courses() {
			res := tx.Exec(`INSERT INTO courses (id, title, description, pass_score)
				VALUES (?, ?, ?, ?) ON CONFLICT (title) DO NOTHING`,
				models.NewID(), c.Title, c.Description, c.PassScore)
			if res.Error != nil {
				return fmt.Errorf("insert course %s: %w", c.Title, res.Error)
			}
			inserted += int(res.RowsAffected)
		}
		return nil
	})
	return inserted, err
}
