DROP TABLE task_dependencies;
DROP TABLE task_attempts;
DROP TABLE execution_tasks;
DROP TABLE ideas;
