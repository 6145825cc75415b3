// Filled in by the module's first real file; removed then.
