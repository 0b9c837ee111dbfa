import type { Request } from 'express';
import { KeyRing, bearerToken, sha256Hex } from './api-keys';
import { projectsNamed, requiredRole, roleAllows } from './access-policy';

const KEY = '/triggers/:project/:domain/:taskName/:name';

describe('requiredRole', () => {
  it.each([
    ['GET', '/triggers', 'reader'],
    ['GET', KEY, 'reader'],
    ['HEAD', KEY, 'reader'],
    ['GET', `${KEY}/revisions/:revision`, 'reader'],
    ['GET', `${KEY}/preview`, 'reader'],
    ['GET', '/something/new', 'reader'],
    ['POST', '/schedules/preview', 'reader'],
    ['PUT', KEY, 'writer'],
    ['DELETE', KEY, 'writer'],
    ['POST', '/triggers/activate', 'writer'],
    ['POST', '/triggers/deactivate', 'writer'],
    ['POST', '/triggers/delete', 'writer'],
    ['POST', `${KEY}/fire`, 'writer'],
    ['POST', `${KEY}/backfill`, 'writer'],
    // parameter names do not matter, the route's shape does
    ['PUT', '/triggers/:p/:d/:t/:n', 'writer'],
    // anything not classified that changes state is for admins
    ['POST', '/triggers', 'admin'],
    ['PATCH', KEY, 'admin'],
    ['DELETE', '/triggers', 'admin'],
    ['POST', '/admin/purge', 'admin'],
  ])('%s %s needs %s', (method, template, role) => {
    expect(requiredRole(method, template)).toBe(role);
  });

  it('ranks admin over writer over reader', () => {
    expect(roleAllows('admin', 'writer')).toBe(true);
    expect(roleAllows('writer', 'writer')).toBe(true);
    expect(roleAllows('writer', 'admin')).toBe(false);
    expect(roleAllows('reader', 'writer')).toBe(false);
    expect(roleAllows('reader', 'reader')).toBe(true);
  });

  it('keeps publisher and worker apart: each may read and do its own, writers may do both', () => {
    expect(requiredRole('POST', '/events')).toBe('publisher');
    expect(roleAllows('publisher', 'publisher')).toBe(true);
    expect(roleAllows('publisher', 'reader')).toBe(true);
    expect(roleAllows('publisher', 'worker')).toBe(false);
    expect(roleAllows('publisher', 'writer')).toBe(false);
    expect(roleAllows('worker', 'publisher')).toBe(false);
    expect(roleAllows('reader', 'publisher')).toBe(false);
    expect(roleAllows('writer', 'publisher')).toBe(true);
    expect(roleAllows('admin', 'publisher')).toBe(true);
  });
});

describe('projectsNamed', () => {
  const req = (parts: Partial<Request>): Request =>
    ({ params: {}, query: {}, ...parts }) as Request;

  it('reads the project path segment of trigger routes', () => {
    expect(projectsNamed(req({ params: { project: 'ads' } }), KEY)).toEqual(['ads']);
    expect(projectsNamed(req({ params: { p: 'ads' } }), '/triggers/:p/:d/:t/:n/fire')).toEqual([
      'ads',
    ]);
  });

  it('reads the list filter, single or repeated', () => {
    expect(projectsNamed(req({ query: { project: 'ads' } }), '/triggers')).toEqual(['ads']);
    expect(projectsNamed(req({ query: { project: ['a', 'b'] } }), '/triggers')).toEqual(['a', 'b']);
    expect(projectsNamed(req({ query: {} }), '/triggers')).toEqual([]);
  });

  it('reads names[].project of bulk bodies and ignores what validation will reject', () => {
    const body = {
      names: [{ project: 'a' }, { project: 'b' }, null, 'x', { project: 5 }, { project: ['c'] }],
    };
    expect(projectsNamed(req({ body }), '/triggers/activate')).toEqual(['a', 'b']);
    for (const odd of [null, 'names', 42, [], { names: 'a' }, { names: null }]) {
      expect(projectsNamed(req({ body: odd }), '/triggers/delete')).toEqual([]);
    }
  });

  it('names no project for routes without one', () => {
    expect(projectsNamed(req({ body: { project: 'x' } }), '/schedules/preview')).toEqual([]);
  });
});

describe('API keys', () => {
  it('matches a presented key by its SHA-256 against every configured key', () => {
    const ring = new KeyRing([
      { name: 'a', sha256: sha256Hex('key-a') },
      { name: 'b', sha256: sha256Hex('key-b') },
    ]);
    expect(ring.match('key-a')?.name).toBe('a');
    expect(ring.match('key-b')?.name).toBe('b');
    expect(ring.match('key-c')).toBeNull();
    expect(ring.match('')).toBeNull();
    expect(ring.match('key-a'.repeat(10_000))).toBeNull();
  });

  it('reads only Bearer credentials', () => {
    expect(bearerToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerToken({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(bearerToken({ authorization: 'Bearer' })).toBeNull();
    expect(bearerToken({ authorization: 'Bearer a b' })).toBeNull();
    expect(bearerToken({ authorization: 'Basic abc' })).toBeNull();
    expect(bearerToken({})).toBeNull();
  });
});
