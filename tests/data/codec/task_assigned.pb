
agent-7t-1042gpulinux 