CREATE TABLE `endpoints` (
	`slug` text PRIMARY KEY NOT NULL,
	`graph_id` text NOT NULL,
	`auth` text NOT NULL,
	`timeout_ms` integer NOT NULL,
	`description` text,
	`secret` text,
	`previous_secret` text,
	`previous_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `endpoints_created_idx` ON `endpoints` (`created_at`,`slug`);--> statement-breakpoint
CREATE TABLE `hooks` (
	`id` text PRIMARY KEY NOT NULL,
	`graph_id` text NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_expires_at` integer,
	`input_mapping` text,
	`created_at` integer NOT NULL,
	`rotated_at` integer
);
--> statement-breakpoint
CREATE INDEX `hooks_graph_created_idx` ON `hooks` (`graph_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `rate_limit_windows` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_windows_expires_idx` ON `rate_limit_windows` (`expires_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`graph_id` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`input` text NOT NULL,
	`enabled` integer NOT NULL,
	`next_fire_at` integer,
	`last_fire_at` integer,
	`last_run_id` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_due_idx` ON `schedules` (`next_fire_at`) WHERE enabled = 1;--> statement-breakpoint
CREATE INDEX `schedules_graph_created_idx` ON `schedules` (`graph_id`,`created_at`,`id`);