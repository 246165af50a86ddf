CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`prefix` text NOT NULL,
	`scopes` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_idx` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_created_idx` ON `api_keys` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `graph_dataflows` (
	`graph_id` text NOT NULL,
	`version` integer NOT NULL,
	`position` integer NOT NULL,
	`dataflow_id` text NOT NULL,
	`source_task_id` text NOT NULL,
	`source_task_port_id` text NOT NULL,
	`target_task_id` text NOT NULL,
	`target_task_port_id` text NOT NULL,
	PRIMARY KEY(`graph_id`, `version`, `position`),
	FOREIGN KEY (`graph_id`,`version`) REFERENCES `graph_versions`(`graph_id`,`version`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `graph_dataflows_dataflow_id_idx` ON `graph_dataflows` (`graph_id`,`version`,`dataflow_id`);--> statement-breakpoint
CREATE TABLE `graph_tasks` (
	`graph_id` text NOT NULL,
	`version` integer NOT NULL,
	`position` integer NOT NULL,
	`task_id` text NOT NULL,
	`type` text NOT NULL,
	`name` text,
	`defaults` text,
	`config` text,
	`subgraph` text,
	`merge` text,
	PRIMARY KEY(`graph_id`, `version`, `position`),
	FOREIGN KEY (`graph_id`,`version`) REFERENCES `graph_versions`(`graph_id`,`version`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `graph_tasks_task_id_idx` ON `graph_tasks` (`graph_id`,`version`,`task_id`);--> statement-breakpoint
CREATE TABLE `graph_versions` (
	`graph_id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`merge` text,
	`task_count` integer NOT NULL,
	`dataflow_count` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`graph_id`, `version`),
	FOREIGN KEY (`graph_id`) REFERENCES `graphs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `graphs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`latest_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `graphs_live_created_idx` ON `graphs` (`created_at`,`id`) WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX `graphs_name_idx` ON `graphs` (`name`);