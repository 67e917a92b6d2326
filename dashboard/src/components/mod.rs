//! Reusable presentational components (no data fetching), one file per family.

pub mod cards;
pub mod charts;
pub mod feedback;
pub mod forms;
pub mod tables;

pub use cards::{PaceProps, card, pace_badge};
pub use charts::{
    DayBar, HeatCell, HeatmapProps, HourlyProps, QuestionChartProps, WeekChartProps, day_route, hourly_chart, question_chart, use_heatmap, use_week_chart,
};
pub use feedback::{ConfirmButton, error_box, spinner};
pub use forms::{CopyField, FieldProps, bind, field, input_event_value, input_value, select_value};
pub use tables::{AuditRow, AuditTable, audit_rows, email_wbr};
