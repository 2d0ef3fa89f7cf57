
gpu