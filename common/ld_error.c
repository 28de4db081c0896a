#include "ld_error.h"

static const struct {
	const char *name;
	const char *sentence;
	int exit_status;
} codes[] = {
	[LD_OK] = {"OK", "done", LD_EXIT_OK},
	[LD_CANCELLED] = {"CANCELLED", "the request was cancelled", LD_EXIT_ERROR},
	[LD_UNKNOWN] = {"UNKNOWN", "an unknown error happened", LD_EXIT_ERROR},
	[LD_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", "the request has an invalid field",
				 LD_EXIT_USAGE},
	[LD_DEADLINE_EXCEEDED] = {"DEADLINE_EXCEEDED", "the server did not answer in time",
				  LD_EXIT_UNAVAILABLE},
	[LD_NOT_FOUND] = {"NOT_FOUND", "no such record", LD_EXIT_NOT_FOUND},
	[LD_ALREADY_EXISTS] = {"ALREADY_EXISTS", "that record already exists", LD_EXIT_CONFLICT},
	[LD_PERMISSION_DENIED] = {"PERMISSION_DENIED", "your role may not do that", LD_EXIT_DENIED},
	[LD_RESOURCE_EXHAUSTED] = {"RESOURCE_EXHAUSTED", "the server is out of a resource",
				   LD_EXIT_ERROR},
	[LD_FAILED_PRECONDITION] = {"FAILED_PRECONDITION",
				    "the record is not in a state that allows this",
				    LD_EXIT_CONFLICT},
	[LD_ABORTED] = {"ABORTED", "the record changed since you read it", LD_EXIT_CONFLICT},
	[LD_OUT_OF_RANGE] = {"OUT_OF_RANGE", "a value is out of range", LD_EXIT_USAGE},
	[LD_UNIMPLEMENTED] = {"UNIMPLEMENTED", "the server does not know this request",
			      LD_EXIT_ERROR},
	[LD_INTERNAL] = {"INTERNAL", "the server hit an internal error", LD_EXIT_ERROR},
	[LD_UNAVAILABLE] = {"UNAVAILABLE", "the server is not available", LD_EXIT_UNAVAILABLE},
	[LD_DATA_LOSS] = {"DATA_LOSS", "stored data is damaged", LD_EXIT_ERROR},
	[LD_UNAUTHENTICATED] = {"UNAUTHENTICATED", "you are not logged in; run 'lead login'",
				LD_EXIT_DENIED},
};

static int known(int code)
{
	return code >= 0 && code <= LD_CODE_MAX;
}

const char *ld_code_name(int code)
{
	return known(code) ? codes[code].name : "UNKNOWN_CODE";
}

const char *ld_code_sentence(int code)
{
	return known(code) ? codes[code].sentence : "the server sent an unknown error code";
}

int ld_code_exit_status(int code)
{
	return known(code) ? codes[code].exit_status : LD_EXIT_ERROR;
}
