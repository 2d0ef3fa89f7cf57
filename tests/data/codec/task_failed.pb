
agent-7t-1042disk "full"
	café