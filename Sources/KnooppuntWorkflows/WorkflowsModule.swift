/// Crisis workflows (being built: CAP export, exercise replay, timeline).
enum WorkflowsModule {}
