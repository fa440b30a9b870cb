DROP INDEX monitors_list_idx;
