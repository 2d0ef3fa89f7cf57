
steal-17agent-3agent-9 *t-1*t-22queue 8 > threshold 3