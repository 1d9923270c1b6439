import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ROLES, type ApiKeyView, type Role } from '@vigil/contracts';

export class CreateApiKeyDto {
  @ApiProperty({
    description:
      'Whom the key belongs to: a person’s e-mail or a service’s name. Recorded as the actor of everything the key changes.',
    example: 'ana@example.com',
    minLength: 1,
    maxLength: 200,
  })
  @IsString()
  @Length(1, 200)
  @Matches(/^[^\p{Cc}\p{Cs}]+$/u, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ enum: ROLES, example: 'analyst' })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;
}

export class ListApiKeysQuery {
  @ApiPropertyOptional({ description: 'Also list revoked keys.', default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeRevoked must be true or false' })
  includeRevoked?: boolean;
}

export class KeyIdParam {
  @ApiProperty({ example: 'k3x9q2m7a1b4' })
  @IsString()
  @Matches(/^[a-z0-9]{8,32}$/, { message: 'id must be a key id (8-32 of a-z, 0-9)' })
  id!: string;
}

export class ApiKeyDto implements ApiKeyView {
  @ApiProperty({ description: 'The public part of the key: `vgl_<id>_…`.' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Written at most once a minute.',
  })
  lastUsedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedBy!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    description: 'The key, `vgl_<id>_<secret>`. Shown this once: only a hash of it is stored.',
    example: 'vgl_k3x9q2m7a1b4_Q8vN2pX7rT4wY1zB6mK9cF3hJ5dL0sA2gE8uV7nR',
  })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] }) keys!: ApiKeyDto[];
}
