import { HttpCode, Post, applyDecorators } from '@nestjs/common';

/** A route that answers with a new session (`SessionCreated`): a POST, answered 201 Created. */
export const IssuesSession = (route: string): MethodDecorator => applyDecorators(Post(route), HttpCode(201));
