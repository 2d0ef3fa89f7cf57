// Placeholder so the tree configures while the core is being written (replaced next commit).
#include "sidecar/core/coordinator.h"
